package messenger

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"phuan/bot"
)

func msgAt(ms int64, psid, id string) bot.Message {
	return bot.Message{ID: id, Channel: ChannelName, ChatID: psid, ChatType: bot.ChatPrivate, UserID: psid,
		Time: time.UnixMilli(ms).UTC()}
}

// anyID in a wanted message accepts any id Phuan makes up for an event
// without a mid, which must start with the given prefix.
const anyID = "*"

func TestWebhookRecordedBodies(t *testing.T) {
	const ts = 1700000000000
	text := msgAt(ts, psidA, "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P")
	text.Text = "ສະບາຍດີ ຂ້ອຍຢາກຮູ້ກ່ຽວກັບສິດຂອງແຮງງານ"
	quick := msgAt(ts, psidA, "m_qr1Vd8hJZ0cB3nK2pQxW9yT")
	quick.Text, quick.Payload = "ພາສາລາວ", "lang:lo"
	postback := msgAt(ts, psidA, "m_pb7Hq2LmN4sR8tV1wX3yZ5a")
	postback.Payload = "menu:courses"
	started := msgAt(ts, psidA, "postback-"+anyID)
	started.Text = "/start poster_vte_2025"
	referral := msgAt(ts, psidA, "referral-"+anyID)
	referral.Text = "/start event_dec18"
	att := msgAt(ts, psidA, "m_att3Kp9Qw2Er5Ty8Ui1Op4As")
	att.Media = []bot.Media{
		{Kind: bot.MediaPhoto, Ref: "https://scontent.xx.fbcdn.net/v/t1.15752-9/contract.jpg?_nc_cat=1&oh=abc"},
		{Kind: bot.MediaVoice, Ref: "https://cdn.fbsbx.com/v/t59.3654-21/voice.mp4?oh=def"},
		{Kind: bot.MediaDocument, Ref: "https://cdn.fbsbx.com/v/t59.2708-21/payslip.pdf?oh=ghi"},
		{Kind: bot.MediaVideo, Ref: "https://video.xx.fbcdn.net/v/t42.3356-2/clip.mp4?oh=jkl"},
		{Kind: bot.MediaOther, Ref: "https://example.org/job"},
	}
	twoA1 := msgAt(ts, psidA, "m_two1Aa")
	twoA1.Text = "ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ"
	twoB1 := msgAt(ts+300, psidB, "postback-"+anyID)
	twoB1.Text = "/start"
	twoA2 := msgAt(ts+400, psidA, "m_two2Bb")
	twoA2.Text, twoA2.Payload = "ແມ່ນ", "case:open"
	twoB2 := msgAt(ts+600, psidB, "m_two4Dd")
	twoB2.Media = []bot.Media{{Kind: bot.MediaPhoto, Ref: "https://scontent.xx.fbcdn.net/v/sticker.png"}}

	oversized := []byte(`{"object":"page","entry":[{"id":"1","messaging":[{"sender":{"id":"` + psidA +
		`"},"timestamp":1700000000000,"message":{"mid":"m_big","text":"` + strings.Repeat("ກ", MaxBodyBytes/3+10) + `"}}]}]}`)

	cases := []struct {
		name    string
		file    string
		body    []byte // instead of file
		sig     string // "" signs correctly; "none" sends no header
		status  int
		want    []bot.Message
		ignored map[string]int64
	}{
		{name: "text", file: "text.json", status: 200, want: []bot.Message{text}},
		{name: "quick reply", file: "quick_reply.json", status: 200, want: []bot.Message{quick}},
		{name: "postback", file: "postback.json", status: 200, want: []bot.Message{postback}},
		{name: "get started with ref", file: "get_started.json", status: 200, want: []bot.Message{started}},
		{name: "m.me referral", file: "referral.json", status: 200, want: []bot.Message{referral}},
		{name: "attachments", file: "attachment.json", status: 200, want: []bot.Message{att}},
		{name: "echo", file: "echo.json", status: 200, ignored: map[string]int64{"echo": 1}},
		{name: "delivery", file: "delivery.json", status: 200, ignored: map[string]int64{"delivery": 1}},
		{name: "read", file: "read.json", status: 200, ignored: map[string]int64{"read": 1}},
		{name: "two entries, several events", file: "two_entries.json", status: 200,
			want:    []bot.Message{twoA1, twoB1, twoA2, twoB2},
			ignored: map[string]int64{"delivery": 1, "read": 1, "echo": 1, "reaction": 1, "standby": 1}},
		{name: "bad signature", file: "text.json", sig: sign(readTestdata(t, "text.json"), "wrong secret"), status: 403},
		{name: "signature of another body", file: "text.json", sig: sign(readTestdata(t, "quick_reply.json"), testSecret), status: 403},
		{name: "signature not hex", file: "text.json", sig: "sha256=zz", status: 403},
		{name: "signature without prefix", file: "text.json", sig: strings.TrimPrefix(sign(readTestdata(t, "text.json"), testSecret), "sha256="), status: 403},
		{name: "no signature", file: "text.json", sig: "none", status: 403},
		{name: "oversized", body: oversized, status: 413},
		{name: "malformed", file: "malformed.json", status: 400},
		{name: "not a page", file: "not_page.json", status: 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, baseTime().Add(time.Minute), nil)
			body := tc.body
			if tc.file != "" {
				body = readTestdata(t, tc.file)
			}
			sig := tc.sig
			switch sig {
			case "":
				sig = sign(body, testSecret)
			case "none":
				sig = ""
			}
			w := postWebhook(h.hook, body, sig)
			if w.Code != tc.status {
				t.Fatalf("status %d (%s), want %d", w.Code, strings.TrimSpace(w.Body.String()), tc.status)
			}
			got := h.rec.Messages()
			checkMessages(t, got, tc.want)
			for kind, n := range tc.ignored {
				if v := h.metrics.Value("phuan_updates_ignored_total", "channel", "messenger", "kind", kind); v != n {
					t.Errorf("ignored %s = %d, want %d", kind, v, n)
				}
			}

			// Each stored message set the person's last contact.
			for _, m := range tc.want {
				last, err := h.st.LastContact("messenger", m.ChatID)
				if err != nil {
					t.Fatal(err)
				}
				if last.Before(m.Time) {
					t.Errorf("last contact of %s = %v, want at least %v", m.ChatID, last, m.Time)
				}
			}
			if len(tc.want) == 0 {
				for _, psid := range []string{psidA, psidB, "100200300400500"} {
					if last, _ := h.st.LastContact("messenger", psid); !last.IsZero() {
						t.Errorf("last contact of %s recorded (%v) though nothing was stored", psid, last)
					}
				}
			}

			// What reached the fake Graph API: one "ok" answer per message, as RESPONSE.
			h.settle(t)
			perChat := map[string]int{}
			for _, m := range tc.want {
				perChat[m.ChatID]++
			}
			calls := h.graph.Calls()
			if len(calls) != len(tc.want) {
				t.Fatalf("graph api got %d requests, want %d", len(calls), len(tc.want))
			}
			for _, c := range calls {
				if c.Path != "/v21.0/me/messages" || c.Token != testToken {
					t.Errorf("request to %s with token %q", c.Path, c.Token)
				}
				if mt := str(c.Body, "messaging_type"); mt != "RESPONSE" {
					t.Errorf("messaging_type %q, want RESPONSE", mt)
				}
				if txt := str(c.Body, "message", "text"); txt != "ok" {
					t.Errorf("text %q, want ok", txt)
				}
				perChat[str(c.Body, "recipient", "id")]--
			}
			for chat, n := range perChat {
				if n != 0 {
					t.Errorf("chat %s: %d answers missing", chat, n)
				}
			}
		})
	}
}

func checkMessages(t *testing.T, got, want []bot.Message) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("submitted %d messages, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if prefix, ok := strings.CutSuffix(w.ID, anyID); ok {
			if !strings.HasPrefix(g.ID, prefix) || len(g.ID) <= len(prefix) {
				t.Errorf("message %d: id %q, want one starting with %q", i, g.ID, prefix)
			}
			g.ID, w.ID = "", ""
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("message %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

func TestWebhookVerification(t *testing.T) {
	ch := newTestChannel(t, newFakeGraph(t), &memContacts{}, newClock(baseTime()), nil, nil)
	h := ch.WebhookHandler(&recorder{})
	get := func(q url.Values) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/webhooks/messenger?"+q.Encode(), nil))
		return w
	}
	w := get(url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1158201444"}})
	if w.Code != 200 || w.Body.String() != "1158201444" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("verification: %d %q %q", w.Code, w.Body.String(), w.Header().Get("Content-Type"))
	}
	for name, q := range map[string]url.Values{
		"wrong token":  {"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}},
		"token prefix": {"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify[:4]}, "hub.challenge": {"1"}},
		"wrong mode":   {"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1"}},
		"nothing":      {},
	} {
		if w := get(q); w.Code != http.StatusForbidden || w.Body.String() == "1" {
			t.Errorf("%s: status %d body %q, want 403", name, w.Code, w.Body.String())
		}
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPut, "/webhooks/messenger", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("PUT: status %d, want 405", w.Code)
	}
}

// A failure to store any event answers 500 so that Meta re-delivers the
// batch; the events stored before the failure are dropped as duplicates.
func TestWebhookSubmitFailureAsksForRedelivery(t *testing.T) {
	h := newHarness(t, baseTime().Add(time.Minute), nil)
	body := readTestdata(t, "two_entries.json")
	h.rec.fail = func(n int) error {
		if n == 1 {
			return errors.New("disk full")
		}
		return nil
	}
	if w := postWebhook(h.hook, body, sign(body, testSecret)); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	h.rec.mu.Lock()
	h.rec.fail = nil
	h.rec.mu.Unlock()
	if w := postWebhook(h.hook, body, sign(body, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("re-delivery: status %d, want 200", w.Code)
	}
	h.settle(t)
	if n := h.metrics.Value("phuan_messages_duplicate_total", "channel", "messenger"); n != 1 {
		t.Errorf("duplicates = %d, want 1 (the message stored before the failure)", n)
	}
	if n := len(h.graph.Calls()); n != 4 {
		t.Errorf("graph api got %d answers, want 4 (one per message, none twice)", n)
	}
}

type failingContacts struct{ memContacts }

func (f *failingContacts) RecordContact(string, string, time.Time) error {
	return errors.New("store closed")
}

func TestWebhookContactFailureAsksForRedelivery(t *testing.T) {
	ch := newTestChannel(t, newFakeGraph(t), &failingContacts{}, newClock(baseTime()), nil, nil)
	rec := &recorder{}
	body := readTestdata(t, "text.json")
	if w := postWebhook(ch.WebhookHandler(rec), body, sign(body, testSecret)); w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if n := len(rec.Messages()); n != 0 {
		t.Fatalf("%d messages submitted though the contact time could not be stored", n)
	}
}

// The same event re-delivered by Meta gets the same id, with or without a mid.
func TestWebhookIDsAreStable(t *testing.T) {
	for _, file := range []string{"get_started.json", "referral.json", "text.json"} {
		a, _, err := parseBody(readTestdata(t, file))
		if err != nil {
			t.Fatal(err)
		}
		b, _, _ := parseBody(readTestdata(t, file))
		if len(a) != 1 || a[0].ID != b[0].ID || a[0].ID == "" {
			t.Errorf("%s: ids %v / %v", file, a, b)
		}
	}
	// Different events of one person get different ids.
	one := []byte(fmt.Sprintf(`{"object":"page","entry":[{"messaging":[
		{"sender":{"id":"%[1]s"},"timestamp":1,"postback":{"payload":"a"}},
		{"sender":{"id":"%[1]s"},"timestamp":1,"postback":{"payload":"b"}},
		{"sender":{"id":"%[1]s"},"timestamp":2,"postback":{"payload":"a"}}]}]}`, psidA))
	msgs, _, err := parseBody(one)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("%v %v", msgs, err)
	}
	if msgs[0].ID == msgs[1].ID || msgs[0].ID == msgs[2].ID {
		t.Errorf("ids collide: %q %q %q", msgs[0].ID, msgs[1].ID, msgs[2].ID)
	}
}

func TestWebhookOddEvents(t *testing.T) {
	body := []byte(`{"object":"page","entry":[{"messaging":[
		{"sender":{"id":"1"},"timestamp":"not a number","message":{"mid":"x","text":"a"}},
		{"timestamp":1,"message":{"mid":"y","text":"no sender"}},
		{"sender":{"id":"has space"},"timestamp":1,"message":{"mid":"z","text":"a"}},
		{"sender":{"id":"1"},"timestamp":1,"message":{"mid":"e"}},
		{"sender":{"id":"1"},"timestamp":1,"postback":{}},
		{"sender":{"id":"1"},"timestamp":1,"referral":{"ref":"bad ref with spaces"}},
		{"sender":{"id":"1"},"timestamp":1,"postback":{"payload":"GET_STARTED","referral":{"ref":"<script>"}}},
		{"sender":{"id":"1"},"timestamp":1,"optin":{"ref":"x"}},
		{"sender":{"id":"1"},"timestamp":1,"account_linking":{"status":"unlinked"}},
		{"sender":{"id":"1"},"timestamp":1,"foo":{}},
		null
	]},{"standby":[{},{}]}]}`)
	msgs, ignored, err := parseBody(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Text != "/start" {
		t.Fatalf("messages %+v, want only the Get Started without its bad ref", msgs)
	}
	want := map[string]int{"invalid": 3, "empty": 2, "referral": 1, "optin": 1, "account_linking": 1, "unknown": 2, "standby": 2}
	if !reflect.DeepEqual(ignored, want) {
		t.Errorf("ignored %v, want %v", ignored, want)
	}
	if !bytes.Contains(body, []byte("null")) {
		t.Fatal("test body lost its null event")
	}
}
