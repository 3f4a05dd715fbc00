package telegram

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"phuan/bot"
)

func TestWebhook(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "private_text.json"))
	if err != nil {
		t.Fatal(err)
	}
	oversized := append([]byte(`{"update_id":1,"message":{"text":"`), bytes.Repeat([]byte("ກ"), MaxWebhookBody/3+10)...)
	oversized = append(oversized, `"}}`...)

	tests := []struct {
		name   string
		method string
		secret *string // nil: header absent
		body   []byte
		fail   bool // Submit fails
		code   int
		stored int
	}{
		{name: "good", secret: ptr(testSecret), body: good, code: 200, stored: 1},
		{name: "wrong secret", secret: ptr("s3cret-Webhook_tokeN"), body: good, code: 401},
		{name: "secret prefix", secret: ptr(testSecret[:5]), body: good, code: 401},
		{name: "missing secret", body: good, code: 401},
		{name: "get", method: http.MethodGet, secret: ptr(testSecret), code: 405},
		{name: "oversized", secret: ptr(testSecret), body: oversized, code: 413},
		{name: "malformed", secret: ptr(testSecret), body: []byte(`{"update_id": 1, "message": {`), code: 400},
		{name: "not an object", secret: ptr(testSecret), body: []byte(`[1,2,3]`), code: 400},
		{name: "wrong types", secret: ptr(testSecret), body: []byte(`{"update_id":"x","message":"y"}`), code: 400},
		{name: "submit fails", secret: ptr(testSecret), body: good, fail: true, code: 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c, logs := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret = testSecret })
			rec := newRecorder()
			if tc.fail {
				rec.fail = func(bot.Message, int) error { return errors.New("store: disk full") }
			}
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/telegram/webhook", bytes.NewReader(tc.body))
			if tc.secret != nil {
				req.Header.Set("X-Telegram-Bot-Api-Secret-Token", *tc.secret)
			}
			resp := httptest.NewRecorder()
			c.WebhookHandler(rec).ServeHTTP(resp, req)
			if resp.Code != tc.code {
				t.Fatalf("status %d, want %d (%s)", resp.Code, tc.code, strings.TrimSpace(resp.Body.String()))
			}
			// The answer comes after Submit returned: what was stored is
			// there as soon as the handler answered.
			if n := len(rec.messages()); n != tc.stored {
				t.Fatalf("stored %d messages, want %d", n, tc.stored)
			}
			if tc.code == 401 && rec.calls != 0 {
				t.Fatal("Submit was called for an unauthenticated request")
			}
			assertNoSecrets(t, logs.String())
		})
	}
}

// TestWebhookRetryAfterFailure: a 503 makes Telegram send the update again;
// the callback is answered only once it is stored.
func TestWebhookRetryAfterFailure(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "callback_query.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret = testSecret })
	rec := newRecorder()
	rec.fail = func(_ bot.Message, call int) error {
		if call == 1 {
			return errors.New("store: timeout")
		}
		return nil
	}
	h := c.WebhookHandler(rec)
	if code := postUpdate(t, h, body).Code; code != http.StatusServiceUnavailable {
		t.Fatalf("first delivery answered %d, want 503", code)
	}
	c.wg.Wait()
	if n := len(f.callsTo("answerCallbackQuery")); n != 0 {
		t.Fatalf("callback answered %d times before it was stored", n)
	}
	if code := postUpdate(t, h, body).Code; code != http.StatusOK {
		t.Fatalf("second delivery answered %d, want 200", code)
	}
	c.Close()
	if n := len(f.callsTo("answerCallbackQuery")); n != 1 {
		t.Fatalf("callback answered %d times, want 1", n)
	}
}

func ptr[T any](v T) *T { return &v }
