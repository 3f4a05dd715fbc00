package telegram

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"phuan/bot"
)

// fuzzPayloads keeps long button payloads in memory.
type fuzzPayloads struct {
	mu sync.Mutex
	m  map[string]string
}

func (p *fuzzPayloads) PutPayload(payload string, _ time.Time) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	token := fmt.Sprint(len(p.m))
	p.m[token] = payload
	return token, nil
}

func (p *fuzzPayloads) LookupPayload(token string) (string, bool, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.m[token]
	return v, ok, nil
}

// fuzzSubmitter checks what reaches the engine is something it accepts.
type fuzzSubmitter struct{ t *testing.T }

func (s fuzzSubmitter) Submit(m bot.Message) (bool, error) {
	if m.ID == "" || m.Channel != Name || m.ChatID == "" {
		s.t.Fatalf("the engine would refuse this message: %+v", m)
	}
	if !utf8.ValidString(m.Payload) && m.Payload != "" {
		s.t.Logf("invalid UTF-8 payload passed on (the engine repairs it): %q", m.Payload)
	}
	return false, nil
}

const fuzzSecret = "fuzz_secret"

// newFuzzChannel is a Channel on a Bot API that only knows getMe and
// answers every other method with success.
func newFuzzChannel(f *testing.F) *Channel {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			fmt.Fprint(w, `{"ok":true,"result":{"id":999000111,"is_bot":true,"first_name":"Phuan","username":"phuan_bot"}}`)
			return
		}
		fmt.Fprint(w, `{"ok":true,"result":true}`)
	}))
	f.Cleanup(srv.Close)
	c, err := New(Config{Token: "1:fuzz", Endpoint: srv.URL + "/bot%s/%s", WebhookURL: "https://example.org/tg",
		WebhookSecret: fuzzSecret, ModeratorChatID: "-1001", Payloads: &fuzzPayloads{m: map[string]string{"0": "menu"}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { c.Close() })
	return c
}

// FuzzUpdate feeds arbitrary bytes to everything that reads a Telegram
// update: decoding, mapping, polling's batch processing and the webhook.
// None may panic; what reaches the engine must be a message it accepts.
func FuzzUpdate(f *testing.F) {
	for _, dir := range []string{"testdata", filepath.Join("..", "..", "..", "shared", "fixtures", "telegram")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{`{}`, `null`, `[]`, `{"update_id":-1}`, `{"update_id":1,"message":null}`,
		`{"update_id":1,"message":{"chat":{"id":0,"type":"private"},"from":{"id":0},"text":"/start@"}}`,
		`{"update_id":1,"message":{"chat":{"id":5,"type":"supergroup"},"from":{"id":5},"text":"@phuan_bot"}}`,
		`{"update_id":1,"message":{"chat":{"id":5,"type":"group"},"migrate_to_chat_id":5}}`,
		`{"update_id":1,"message":{"chat":{"id":5,"type":"private"},"from":{"id":5},"photo":[{},{}]}}`,
		`{"update_id":2,"callback_query":{"id":"q","from":{"id":1},"data":"t:0","message":{"chat":{"id":1,"type":"private"}}}}`,
		`{"update_id":2,"callback_query":{"id":"q","from":{"id":1},"data":"t:zz","message":{"chat":{"id":1,"type":"channel"}}}}`,
		`{"update_id":3,"my_chat_member":{"chat":{"id":-9,"type":"group"},"new_chat_member":{"status":"restricted"}}}`,
		"{\"update_id\":4,\"message\":{\"chat\":{\"id\":1,\"type\":\"private\"},\"from\":{\"id\":1},\"text\":\"\xff\xfe\"}}",
	} {
		f.Add([]byte(s))
	}
	c := newFuzzChannel(f)
	f.Fuzz(func(t *testing.T, raw []byte) {
		sub := fuzzSubmitter{t}
		if u, err := decode(raw); err == nil {
			in := c.convert(u, raw)
			if in.msg != nil {
				if in.msg.ID == "" || in.msg.Channel != Name {
					t.Fatalf("mapped message lacks an id or channel: %+v", in.msg)
				}
				if err := c.submit(&in, sub); err != nil {
					t.Logf("submit: %v", err) // a payload token not found is an error, not a panic
				}
			}
		}
		if _, err := c.processBatch([]json.RawMessage{raw, raw}, sub); err != nil {
			t.Logf("batch: %v", err)
		}
		req := httptest.NewRequest(http.MethodPost, "/tg", strings.NewReader(string(raw)))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", fuzzSecret)
		w := httptest.NewRecorder()
		c.WebhookHandler(sub).ServeHTTP(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		default:
			t.Fatalf("webhook answered %d", w.Code)
		}
	})
}
