package scheduler

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

// keyTexts writes "lang:key k=v …" instead of real texts.
type keyTexts struct{}

func (keyTexts) T(lang, key string, kv ...string) string {
	var b strings.Builder
	b.WriteString(lang + ":" + key)
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(" " + kv[i] + "=" + kv[i+1])
	}
	return b.String()
}

// storeOutbox writes envelopes to the store's outbox as the sender does,
// and remembers them; fail makes Enqueue fail.
type storeOutbox struct {
	st   *store.Store
	mu   sync.Mutex
	envs []bot.Envelope
	fail error
}

func (o *storeOutbox) Enqueue(envs []bot.Envelope) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fail != nil {
		return o.fail
	}
	items, err := bot.Envelopes(envs, time.Now())
	if err != nil {
		return err
	}
	if err := o.st.EnqueueOutbox(items); err != nil {
		return err
	}
	o.envs = append(o.envs, envs...)
	return nil
}

func (o *storeOutbox) sent() []bot.Envelope {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]bot.Envelope(nil), o.envs...)
}

// count counts envelopes whose ref starts with prefix, by chat.
func (o *storeOutbox) count(prefix string) map[string]int {
	n := map[string]int{}
	for _, e := range o.sent() {
		if strings.HasPrefix(e.Ref, prefix) {
			n[e.ChatID]++
		}
	}
	return n
}

func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var nextPerson int

func addPerson(t testing.TB, st *store.Store, lang, country string) *store.Person {
	t.Helper()
	nextPerson++
	p := &store.Person{Lang: lang, Profile: store.Profile{Country: country}}
	if err := st.CreatePerson(p, store.Identity{Channel: "telegram", PlatformID: "chat" + strconv.Itoa(nextPerson)}); err != nil {
		t.Fatal(err)
	}
	return p
}

// addSubscribers stores n people subscribed to topic, with chats c1…cn.
func addSubscribers(t testing.TB, st *store.Store, n int, topic store.Topic, now time.Time) {
	t.Helper()
	const chunk = 5000
	for from := 0; from < n; from += chunk {
		subs := make([]store.NewSubscriber, 0, chunk)
		for i := from; i < min(from+chunk, n); i++ {
			subs = append(subs, store.NewSubscriber{Person: store.Person{Lang: []string{"lo", "th", "en"}[i%3]},
				Identity: store.Identity{Channel: "telegram", PlatformID: "c" + strconv.Itoa(i+1)},
				Topics:   []store.Topic{topic}})
		}
		if err := st.CreateSubscribers(subs, now); err != nil {
			t.Fatal(err)
		}
	}
}

func chatOf(p *store.Person) string { return p.Identities[0].PlatformID }
