package messenger

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"phuan/bot"
)

// sharedFixtures is the folder of payloads recorded by others (see its SOURCES.md).
const sharedFixtures = "../../../shared/fixtures/messenger"

// Every recorded webhook body parses and is handled or ignored cleanly;
// every recorded Send API error is classified.
func TestSharedFixtures(t *testing.T) {
	entries, err := os.ReadDir(sharedFixtures)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("shared fixtures absent")
	}
	if err != nil {
		t.Fatal(err)
	}
	type expect struct {
		submitted int
		ignored   string // a kind counted as ignored
		text      string // of the first message
		payload   string
	}
	webhooks := map[string]expect{
		"botman_account_linking.json":       {ignored: "account_linking"},
		"botman_delivery.json":              {ignored: "delivery"},
		"botman_message_echo.json":          {ignored: "echo"},
		"botman_optin_user_ref.json":        {ignored: "optin"},
		"botman_postback.json":              {submitted: 1, payload: "MY_PAYLOAD"},
		"botman_quick_reply.json":           {submitted: 1, text: "Red", payload: "MY_PAYLOAD"},
		"botman_read.json":                  {ignored: "read"},
		"botman_referral.json":              {submitted: 1, text: "/start MY_REF"},
		"botman_text_message.json":          {submitted: 1, text: "Hi Julia"},
		"botman_text_with_nlp.json":         {submitted: 1, text: "bye, see you tomorrow at 4pm"},
		"botman_unknown_event_ignored.json": {ignored: "unknown"},
		"standby_postback.json":             {ignored: "standby"},
		"text_message_real_mid_nlp.json":    {submitted: 1, text: "Bonjour"},
	}
	sendErrors := map[string]bot.SendErrorKind{
		"send_error_10_outside_window_2018065.json": bot.Held,
		"send_error_551_person_unavailable.json":    bot.Unreachable,
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		n++
		body, err := os.ReadFile(filepath.Join(sharedFixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "send_error_") {
			t.Run(name, func(t *testing.T) {
				g := newFakeGraph(t)
				g.SetRespond(func(int, graphCall) (int, string) { return http.StatusBadRequest, string(body) })
				contacts := &memContacts{}
				contacts.RecordContact(ChannelName, psidA, baseTime())
				ch := newTestChannel(t, g, contacts, newClock(baseTime().Add(time.Hour)), nil, nil)
				err := ch.Send(t.Context(), bot.Delivery{Seq: 1, ChatID: psidA, Purpose: bot.PurposeResponse,
					Reply: bot.Reply{Text: "ສະບາຍດີ"}, Attempt: 1})
				var se *bot.SendError
				if !errors.As(err, &se) {
					t.Fatalf("error %v is not a *bot.SendError", err)
				}
				if want, ok := sendErrors[name]; ok && se.Kind != want {
					t.Errorf("classified %s (%v), want %s", se.Kind, err, want)
				}
				if strings.Contains(err.Error(), testToken) {
					t.Errorf("error text holds the page token: %v", err)
				}
			})
			continue
		}
		t.Run(name, func(t *testing.T) {
			metrics := bot.NewMetrics()
			ch := newTestChannel(t, newFakeGraph(t), openStore(t), newClock(baseTime()), metrics, nil)
			rec := &recorder{}
			w := postWebhook(ch.WebhookHandler(rec), body, sign(body, testSecret))
			want, known := webhooks[name]
			if !known {
				// A fixture added later: it must be taken or refused cleanly.
				if w.Code != http.StatusOK && w.Code != http.StatusBadRequest {
					t.Fatalf("status %d", w.Code)
				}
				return
			}
			if w.Code != http.StatusOK {
				t.Fatalf("status %d (%s), want 200", w.Code, w.Body.String())
			}
			got := rec.Messages()
			if len(got) != want.submitted {
				t.Fatalf("submitted %d messages, want %d: %+v", len(got), want.submitted, got)
			}
			if want.ignored != "" {
				if v := metrics.Value("phuan_updates_ignored_total", "channel", "messenger", "kind", want.ignored); v != 1 {
					t.Errorf("ignored %s = %d, want 1", want.ignored, v)
				}
			}
			for _, m := range got {
				if m.ID == "" || m.ChatID == "" || m.ChatID != m.UserID || m.Channel != ChannelName || m.ChatType != bot.ChatPrivate || m.Time.IsZero() {
					t.Errorf("incomplete message %+v", m)
				}
			}
			if len(got) > 0 && (got[0].Text != want.text || got[0].Payload != want.payload) {
				t.Errorf("text %q payload %q, want %q %q", got[0].Text, got[0].Payload, want.text, want.payload)
			}
		})
	}
	if n == 0 {
		t.Skip("no shared fixtures")
	}
}
