package handlers

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

type fixedClock struct{ t time.Time }

func (c *fixedClock) Now() time.Time { return c.t }

type harness struct {
	t     *testing.T
	d     *Dialogue
	store *store.Store
	clock *fixedClock
	n     int
	last  []bot.Envelope
}

func newHarness(t *testing.T, features ...Feature) *harness {
	t.Helper()
	st, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	clock := &fixedClock{time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	return &harness{t: t, store: st, clock: clock,
		d: New(Config{Store: st, Catalog: cat, Clock: clock, Features: features})}
}

// say sends text (or presses button N of the last reply when text is "#N").
func (h *harness) say(text string) []bot.Envelope {
	h.t.Helper()
	h.n++
	m := bot.Message{ID: strconv.Itoa(h.n), Channel: "console", ChatID: "u1", UserID: "u1",
		ChatType: bot.ChatPrivate, Time: h.clock.t}
	if n, ok := strings.CutPrefix(text, "#"); ok {
		i, _ := strconv.Atoi(n)
		m.Payload = h.button(i).Payload
	} else {
		m.Text = text
	}
	return h.send(m)
}

func (h *harness) send(m bot.Message) []bot.Envelope {
	h.t.Helper()
	out, err := h.d.Handle(context.Background(), m)
	if err != nil {
		h.t.Fatal(err)
	}
	h.last = out
	return out
}

func (h *harness) button(i int) bot.Button {
	h.t.Helper()
	var flat []bot.Button
	for _, row := range h.last[len(h.last)-1].Reply.Buttons {
		flat = append(flat, row...)
	}
	if i < 1 || i > len(flat) {
		h.t.Fatalf("no button %d in %+v", i, h.last[len(h.last)-1].Reply)
	}
	return flat[i-1]
}

func (h *harness) text() string {
	var parts []string
	for _, e := range h.last {
		parts = append(parts, e.Reply.Text)
	}
	return strings.Join(parts, "\n---\n")
}

func (h *harness) person() *store.Person {
	p, err := h.store.PersonByIdentity(store.Identity{Channel: "console", PlatformID: "u1"})
	if err != nil {
		return nil
	}
	return p
}

func TestOnboardingInEachLanguage(t *testing.T) {
	for i, lang := range Languages {
		t.Run(lang, func(t *testing.T) {
			h := newHarness(t)
			h.say("/start poster_vte")
			if !strings.Contains(h.text(), h.d.cat.T("lo", "choose_language")) {
				t.Fatalf("start did not ask for a language: %s", h.text())
			}
			h.say("#" + strconv.Itoa(i+1))
			if !strings.Contains(h.text(), h.d.cat.T(lang, "privacy_notice")) {
				t.Fatalf("no privacy notice in %s: %s", lang, h.text())
			}
			h.say("#1") // agree
			p := h.person()
			if p == nil || p.Lang != lang || p.Source != "poster_vte" || p.ConsentAt.IsZero() {
				t.Fatalf("person after consent: %+v", p)
			}
			h.say("#1")                                 // Laos
			h.say("#1")                                 // returned
			h.say("#" + strconv.Itoa(len(Provinces)-4)) // a province
			if !strings.Contains(h.text(), h.d.cat.T(lang, "menu_title")) {
				t.Fatalf("no menu at the end: %s", h.text())
			}
			p = h.person()
			if p.Profile.Country != "LA" || p.Profile.Status != store.StatusReturned || p.Profile.Province != Provinces[len(Provinces)-5] {
				t.Fatalf("profile %+v", p.Profile)
			}
			h.say("/start")
			if !strings.Contains(h.text(), h.d.cat.T(lang, "welcome_back")) {
				t.Fatalf("returning person not remembered: %s", h.text())
			}
		})
	}
}

func TestDeclinedConsentStoresNoPerson(t *testing.T) {
	h := newHarness(t)
	h.say("/start")
	h.say("#3") // English
	h.say("#2") // no thanks
	if h.person() != nil {
		t.Fatal("a person was stored after declining")
	}
	if !strings.Contains(h.text(), "will not keep your data") {
		t.Fatalf("got %s", h.text())
	}
	h.say("/settings")
	if !strings.Contains(h.text(), "did not agree") {
		t.Fatalf("settings for a declined person: %s", h.text())
	}
	c, _ := h.store.Conversation("console", "u1", h.clock.t)
	if !c.Declined || c.Lang != "en" || len(c.Answers) != 0 {
		t.Fatalf("conversation state %+v", c)
	}
}

func TestSkippingEveryProfileQuestion(t *testing.T) {
	h := newHarness(t)
	h.say("/start")
	h.say("#1")
	h.say("#1")
	h.say("#" + strconv.Itoa(len(Countries)+1)) // skip
	if p := h.person(); p == nil || p.Profile != (store.Profile{}) {
		t.Fatalf("profile after skipping: %+v", p)
	}
	if !strings.Contains(h.text(), h.d.cat.T("lo", "profile_done")) {
		t.Fatalf("got %s", h.text())
	}
}

func TestAbroadSkipsStatusAndProvince(t *testing.T) {
	h := newHarness(t)
	h.say("/start")
	h.say("#2")
	h.say("#1")
	h.say("#2") // Thailand
	p := h.person()
	if p.Profile.Country != "TH" || p.Profile.Status != store.StatusAbroad {
		t.Fatalf("profile %+v", p.Profile)
	}
}

func TestLanguageGuessedFromScriptAndCode(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		text, code, want string
	}{
		{"สวัสดีครับ", "", "th"},
		{"ສະບາຍດີ", "th", "lo"},
		{"hello", "en-US", "en"},
		{"hello", "", "lo"},
	} {
		if got := h.d.guessLang(bot.Message{Text: tc.text, LanguageCode: tc.code}); got != tc.want {
			t.Errorf("guess(%q, %q) = %s, want %s", tc.text, tc.code, got, tc.want)
		}
	}
}

func TestLanguageWordsOpenLanguageChoice(t *testing.T) {
	for _, word := range []string{"ພາສາ", "ภาษา", "language", "Language "} {
		h := newHarness(t)
		h.say(word)
		if len(h.last) == 0 || len(h.last[0].Reply.Buttons) != 3 {
			t.Errorf("%q did not offer the three languages: %+v", word, h.last)
		}
	}
}

func TestChangeLanguageLaterUpdatesPerson(t *testing.T) {
	h := newHarness(t)
	h.say("/start")
	h.say("#1")
	h.say("#1")
	h.say("/language")
	h.say("#3")
	if p := h.person(); p.Lang != "en" {
		t.Fatalf("language %s after change", p.Lang)
	}
	h.say("/help")
	if !strings.Contains(h.text(), "How to use Phuan") {
		t.Fatalf("help not in English: %s", h.text())
	}
}

func TestStaleAndForgedButtons(t *testing.T) {
	h := newHarness(t)
	h.say("/start")
	consentYes := StepPayload(flowOnboard, stepConsent, "yes")
	for _, payload := range []string{
		StepPayload(flowOnboard, stepCountry, "TH"), // a step not reached
		"step:nonsense",
		"kb:does-not-exist-feature",
		consentYes, // the consent buttons are not shown yet: the chat is at the language step
	} {
		h.send(bot.Message{ID: payload, Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: payload})
		if !strings.Contains(h.text(), h.d.cat.T("lo", "stale_button")) {
			t.Errorf("payload %q: got %s", payload, h.text())
		}
	}
	if h.person() != nil {
		t.Fatal("an old consent button created a person")
	}
}

func TestUnknownCommandEmptyAndMedia(t *testing.T) {
	h := newHarness(t)
	h.say("/frobnicate")
	if !strings.Contains(h.text(), "/frobnicate") {
		t.Errorf("unknown command: %s", h.text())
	}
	h.say("   ")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "empty_message")) {
		t.Errorf("empty message: %s", h.text())
	}
	h.send(bot.Message{ID: "m", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate,
		Media: []bot.Media{{Kind: bot.MediaVoice, Ref: "file-1"}}})
	if !strings.Contains(h.text(), h.d.cat.T("lo", "media_received")) {
		t.Errorf("voice message: %s", h.text())
	}
	h.say("qwertyuiop")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "not_understood")) || len(h.last[0].Reply.Buttons) == 0 {
		t.Errorf("not understood: %+v", h.last)
	}
}

func TestPlatformEvents(t *testing.T) {
	h := newHarness(t)
	h.say("/start")
	h.say("#1")
	h.say("#1")
	h.send(bot.Message{ID: "b", Channel: "console", ChatID: "u1", UserID: "u1", Event: bot.EventBlocked})
	if len(h.last) != 0 || !h.person().Unreachable {
		t.Fatalf("blocked: replies %v, person %+v", h.last, h.person())
	}
	h.send(bot.Message{ID: "u", Channel: "console", ChatID: "u1", UserID: "u1", Event: bot.EventUnblocked})
	if h.person().Unreachable {
		t.Fatal("still unreachable after unblocking")
	}
	out := h.send(bot.Message{ID: "j", Channel: "console", ChatID: "-5", ChatType: bot.ChatGroup, Event: bot.EventJoinedGroup})
	if len(out) != 1 || !out[0].Group || !strings.Contains(out[0].Reply.Text, "/ask") {
		t.Fatalf("group introduction: %+v", out)
	}
	h.send(bot.Message{ID: "mv", Channel: "console", ChatID: "-5", ChatType: bot.ChatGroup, Event: bot.EventChatMoved, NewChatID: "-1005"})
	c, _ := h.store.Conversation("console", "-1005", h.clock.t)
	if c.Lang == "" {
		t.Fatal("group state did not move to the new chat id")
	}
}

type panicky struct{}

func (panicky) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: "Feature", Payload: "feature"}}
}
func (panicky) Handle(_ context.Context, t *Turn) (bool, error) {
	if t.Msg.Payload == "feature" {
		t.Say("feature answer")
		return true, nil
	}
	return false, nil
}

func TestFeaturesAddMenuEntries(t *testing.T) {
	h := newHarness(t, panicky{})
	h.say("/menu")
	if b := h.button(1); b.Payload != "feature" {
		t.Fatalf("first menu entry %+v", b)
	}
	h.say("#1")
	if h.text() != "feature answer" {
		t.Fatalf("feature did not take its button: %s", h.text())
	}
}

func TestGroupPrivateMattersLinkToPrivateChat(t *testing.T) {
	h := newHarness(t)
	h.d.link = func(channel string) string { return "https://t.me/phuan_bot?start=from_group" }
	h.d.features = []Feature{NewPrivacy(PrivacyConfig{Store: h.store, RetentionDays: 90})}
	out := h.send(bot.Message{ID: "g", Channel: "telegram", ChatID: "-3", ChatType: bot.ChatGroup, UserID: "u1", Text: "/mydata"})
	if len(out) != 1 || len(out[0].Reply.Buttons) != 1 || out[0].Reply.Buttons[0][0].URL != "https://t.me/phuan_bot?start=from_group" {
		t.Fatalf("group privacy answer %+v", out)
	}
	out = h.send(bot.Message{ID: "p", Channel: "telegram", ChatID: "5", ChatType: bot.ChatPrivate, UserID: "5", Text: "/clear"})
	for _, row := range out[0].Reply.Buttons {
		for _, b := range row {
			if b.URL != "" {
				t.Fatal("a private chat got a link to a private chat")
			}
		}
	}
}
