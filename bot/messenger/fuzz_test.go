package messenger

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"phuan/bot"
)

// checkingSubmitter accepts messages and fails the test on an incomplete one.
type checkingSubmitter struct{ t *testing.T }

func (s checkingSubmitter) Submit(m bot.Message) (bool, error) {
	if m.ID == "" || m.ChatID == "" || m.UserID != m.ChatID || m.Channel != ChannelName || m.ChatType != bot.ChatPrivate {
		s.t.Errorf("incomplete message %+v", m)
	}
	if !validPSID(m.ChatID) {
		s.t.Errorf("invalid sender id %q", m.ChatID)
	}
	return false, nil
}

// FuzzWebhook feeds arbitrary bodies and signatures to the webhook: it must
// answer with one of its statuses and never panic.
func FuzzWebhook(f *testing.F) {
	for _, dir := range []string{"testdata", sharedFixtures} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b, "")
			}
		}
	}
	f.Add([]byte(`{"object":"page","entry":[{"messaging":[null,{},{"message":{}},{"sender":{"id":""}}]}]}`), "sha256=00")
	f.Add([]byte(`{"object":"page","entry":null}`), "sha256=")
	f.Add([]byte(`[]`), "md5=abc")
	f.Fuzz(func(t *testing.T, body []byte, signature string) {
		ch, err := New(Config{PageToken: testToken, AppSecret: testSecret, VerifyToken: testVerify,
			APIURL: "http://127.0.0.1:1", Contacts: &memContacts{}, Clock: newClock(baseTime())})
		if err != nil {
			t.Fatal(err)
		}
		h := ch.WebhookHandler(checkingSubmitter{t})
		// With the fuzzed signature: refused unless it happens to be right.
		w := postWebhook(h, body, signature)
		if signature != sign(body, testSecret) && w.Code != http.StatusForbidden && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("unsigned body answered %d", w.Code)
		}
		// Correctly signed: the parser sees the body.
		w = postWebhook(h, body, sign(body, testSecret))
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("signed body answered %d", w.Code)
		}
		msgs, _, err := parseBody(body)
		if err == nil {
			for _, m := range msgs {
				if !utf8.ValidString(m.ChatID) {
					t.Errorf("chat id %q is not UTF-8", m.ChatID)
				}
			}
		}
	})
}
