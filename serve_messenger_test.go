package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"phuan/handlers"
)

// fakeGraph records the messages Phuan sends to the Graph API.
type fakeGraph struct {
	srv  *httptest.Server
	sent chan map[string]any
}

func newFakeGraph(t *testing.T) *fakeGraph {
	f := &fakeGraph{sent: make(chan map[string]any, 100)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		if strings.HasSuffix(r.URL.Path, "/me/messages") {
			if _, ok := body["message"]; ok {
				f.sent <- body
			}
		}
		fmt.Fprint(w, `{"recipient_id":"1","message_id":"m"}`)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGraph) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-f.sent:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("no message reached the Graph API")
		return nil
	}
}

// postSigned posts a Messenger webhook body signed with secret and
// returns the status code.
func postSigned(t *testing.T, url, body, secret string) int {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// startServe runs the real serve wiring and returns its base URL.
func startServe(t *testing.T, cfg *Config) string {
	t.Helper()
	return startServeLogging(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startServeLogging is startServe with the app's logger.
func startServeLogging(t *testing.T, cfg *Config, log *slog.Logger) string {
	t.Helper()
	a, err := openApp(cfg, log, handlers.Room{Channel: "telegram", ChatID: cfg.TelegramModeratorChat})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- a.serve(ctx, func(addr net.Addr) { addrc <- addr }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case addr := <-addrc:
		return "http://" + addr.String()
	case err := <-done:
		t.Fatal("serve stopped:", err)
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not start")
	}
	return ""
}

func TestServeMessengerGetStartedToLaoAnswer(t *testing.T) {
	graph := newFakeGraph(t)
	cfg, err := loadConfig(env(map[string]string{
		"PHUAN_DATA_DIR": t.TempDir(), "PHUAN_ADDR": "127.0.0.1:0",
		"MESSENGER_PAGE_TOKEN": "page-token", "MESSENGER_APP_SECRET": "app-secret",
		"MESSENGER_VERIFY_TOKEN": "verify-me", "MESSENGER_API_URL": graph.srv.URL,
	}))
	if err != nil {
		t.Fatal(err)
	}
	base := startServe(t, cfg)
	post := func(event string, secret string) int {
		body := `{"object":"page","entry":[{"id":"1","time":1,"messaging":[` + event + `]}]}`
		return postSigned(t, base+messengerWebhookPath, body, secret)
	}
	now := time.Now().UnixMilli()
	ev := func(n int, inner string) string {
		return fmt.Sprintf(`{"sender":{"id":"555"},"recipient":{"id":"1"},"timestamp":%d,%s}`, now+int64(n), inner)
	}

	if code := post(ev(0, `"postback":{"title":"Get Started","payload":"GET_STARTED","mid":"pb-1"}`), "wrong"); code != http.StatusForbidden {
		t.Fatalf("wrong signature answered %d", code)
	}
	if code := post(ev(1, `"postback":{"title":"Get Started","payload":"GET_STARTED","mid":"pb-1"}`), "app-secret"); code != 200 {
		t.Fatalf("get started answered %d", code)
	}
	graph.next(t) // welcome
	langs := graph.next(t)
	if !strings.Contains(fmt.Sprint(langs), "lang:lo") {
		t.Fatalf("no language choice: %v", langs)
	}
	post(ev(2, `"message":{"mid":"m-2","text":"ລາວ","quick_reply":{"payload":"lang:lo"}}`), "app-secret")
	graph.next(t) // language set
	consent := graph.next(t)
	if !strings.Contains(fmt.Sprint(consent), "ເຫັນດີ") {
		t.Fatalf("no consent question: %v", consent)
	}
	post(ev(3, `"message":{"mid":"m-3","text":"ສົ່ງເງິນກັບບ້ານແນວໃດ"}`), "app-secret")
	answer := graph.next(t)
	if !strings.Contains(fmt.Sprint(answer), "ສົ່ງເງິນກັບບ້ານ") || answer["messaging_type"] != "RESPONSE" {
		t.Fatalf("Lao question not answered: %v", answer)
	}

	resp, err := http.Get(base + messengerWebhookPath + "?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=42")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "42" {
		t.Fatalf("verification echoed %q", b)
	}
	resp, err = http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("readyz answered %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `phuan_messages_received_total{channel="messenger"}`) || !strings.Contains(string(b), "phuan_outbox_depth") {
		t.Fatalf("metrics:\n%s", b)
	}
}

func TestMessengerSetupSendsProfileInThreeLanguages(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/me/messenger_profile") {
			json.NewDecoder(r.Body).Decode(&got)
		}
		fmt.Fprint(w, `{"result":"success"}`)
	}))
	defer srv.Close()
	vars := map[string]string{"MESSENGER_PAGE_TOKEN": "p", "MESSENGER_APP_SECRET": "s",
		"MESSENGER_VERIFY_TOKEN": "v", "MESSENGER_API_URL": srv.URL}
	var out, errOut strings.Builder
	if code := run([]string{"messenger", "setup"}, env(vars), nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	body := fmt.Sprint(got)
	for _, want := range []string{"GET_STARTED", "th_TH", "en_US", "ເມນູ"} {
		if !strings.Contains(body, want) {
			t.Errorf("profile lacks %q: %s", want, body)
		}
	}
	if code := run([]string{"messenger", "setup"}, env(nil), nil, &out, &errOut); code != 2 {
		t.Errorf("setup without a token: exit %d", code)
	}
}
