package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoPersonalDataOrTokensInLogs runs conversations carrying a unique
// marker in the text, the name and a phone number through Telegram and
// Messenger, with a case, a crisis, a bad signature and debug logging, and
// asserts that neither the marker nor a token appears in the log.
func TestNoPersonalDataOrTokensInLogs(t *testing.T) {
	const (
		marker   = "LOGMARKERqz"
		phone    = "0209988776"
		tgToken  = "123:tok-SECRET-tg"
		fbToken  = "PAGE-SECRET-fb"
		fbSecret = "app-SECRET-fb"
	)
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := newFakeBotAPI(t)
	graph := newFakeGraph(t)
	cfg, err := loadConfig(env(map[string]string{
		"PHUAN_DATA_DIR": t.TempDir(), "PHUAN_ADDR": "127.0.0.1:0", "PHUAN_LOG_LEVEL": "debug",
		"TELEGRAM_BOT_TOKEN": tgToken, "TELEGRAM_API_ENDPOINT": api.srv.URL + "/bot%s/%s",
		"TELEGRAM_MODERATOR_CHAT_ID": "-100777",
		"MESSENGER_PAGE_TOKEN":       fbToken, "MESSENGER_APP_SECRET": fbSecret,
		"MESSENGER_VERIFY_TOKEN": "verify", "MESSENGER_API_URL": graph.srv.URL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	base := startServeLogging(t, cfg, log)

	// Telegram: a private conversation with the marker in the name and texts.
	msg := func(id int, text string) string {
		return fmt.Sprintf(`{"message_id":%d,"date":%d,"chat":{"id":4242,"type":"private","first_name":"%s"},"from":{"id":4242,"is_bot":false,"first_name":"%s","username":"u_%s","language_code":"en"},"text":%q}`,
			id, time.Now().Unix(), marker, marker, marker, text)
	}
	for i, text := range []string{"/start", "my phone is " + phone + " " + marker, "they beat me and locked me in " + marker,
		"/mydata", "talk to a human " + marker} {
		api.push(msg(i+1, text))
		api.next(t)
	}
	// Messenger: a good event with the marker, and one with a bad signature.
	post := func(body, secret string) { postSigned(t, base+messengerWebhookPath, body, secret) }
	event := fmt.Sprintf(`{"object":"page","entry":[{"id":"1","time":1,"messaging":[{"sender":{"id":"555"},"recipient":{"id":"1"},"timestamp":%d,"message":{"mid":"m-1","text":"%s %s"}}]}]}`,
		time.Now().UnixMilli(), marker, phone)
	post(event, fbSecret)
	graph.next(t)
	post(strings.Replace(event, "m-1", "m-2", 1), "wrong-secret")

	out := logs.String()
	if !strings.Contains(out, `"component"`) {
		t.Fatalf("nothing was logged; the test proves nothing:\n%s", out)
	}
	for _, secret := range []string{marker, phone, tgToken, "tok-SECRET", fbToken, fbSecret} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}
