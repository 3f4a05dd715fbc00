package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBotAPI plays the Telegram Bot API: it serves queued updates to
// getUpdates and records every send.
type fakeBotAPI struct {
	srv     *httptest.Server
	mu      sync.Mutex
	updates []string
	nextID  int
	sent    chan map[string]string
	wake    chan struct{}
}

func newFakeBotAPI(t *testing.T) *fakeBotAPI {
	f := &fakeBotAPI{sent: make(chan map[string]string, 100), nextID: 1,
		wake: make(chan struct{}, 1)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseMultipartForm(1 << 20)
		r.ParseForm()
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		w.Header().Set("Content-Type", "application/json")
		switch method {
		case "getMe":
			fmt.Fprint(w, `{"ok":true,"result":{"id":999,"is_bot":true,"first_name":"Phuan","username":"phuan_bot"}}`)
		case "getUpdates":
			ups := f.take()
			if len(ups) == 0 { // long poll: hold the request until an update comes, briefly
				select {
				case <-f.wake:
				case <-r.Context().Done():
				case <-time.After(100 * time.Millisecond):
				}
				ups = f.take()
			}
			fmt.Fprintf(w, `{"ok":true,"result":[%s]}`, strings.Join(ups, ","))
		case "sendMessage":
			m := map[string]string{}
			for k := range r.Form {
				m[k] = r.Form.Get(k)
			}
			f.sent <- m
			fmt.Fprint(w, `{"ok":true,"result":{"message_id":5,"date":1,"chat":{"id":1,"type":"private"}}}`)
		default:
			fmt.Fprint(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBotAPI) push(message string) {
	f.mu.Lock()
	f.updates = append(f.updates, fmt.Sprintf(`{"update_id":%d,"message":%s}`, f.nextID, message))
	f.nextID++
	f.mu.Unlock()
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *fakeBotAPI) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ups := f.updates
	f.updates = nil
	return ups
}

func (f *fakeBotAPI) next(t *testing.T) map[string]string {
	t.Helper()
	select {
	case m := <-f.sent:
		return m
	case <-time.After(15 * time.Second):
		t.Fatal("nothing reached the Bot API")
		return nil
	}
}

func privateText(id int, text string) string {
	b, _ := json.Marshal(text)
	return fmt.Sprintf(`{"message_id":%d,"date":%d,"chat":{"id":4242,"type":"private"},"from":{"id":4242,"is_bot":false,"first_name":"A","language_code":"lo"},"text":%s}`,
		id, time.Now().Unix(), b)
}

func TestServeTelegramPollingStartAndLaoQuestion(t *testing.T) {
	api := newFakeBotAPI(t)
	cfg, err := loadConfig(env(map[string]string{
		"PHUAN_DATA_DIR": t.TempDir(), "PHUAN_ADDR": "127.0.0.1:0",
		"TELEGRAM_BOT_TOKEN": "123:secret-token", "TELEGRAM_API_ENDPOINT": api.srv.URL + "/bot%s/%s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	startServe(t, cfg)
	api.push(privateText(1, "/start"))
	api.next(t) // welcome
	langs := api.next(t)
	if !strings.Contains(langs["reply_markup"], "lang:lo") || !strings.Contains(langs["reply_markup"], "ไทย") {
		t.Fatalf("no language keyboard: %v", langs)
	}
	api.push(privateText(2, "ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ"))
	answer := api.next(t)
	if !strings.Contains(answer["text"], "ເງິນເດືອນ") || answer["chat_id"] != "4242" || answer["parse_mode"] != "HTML" {
		t.Fatalf("Lao question not answered: %v", answer)
	}
}

func TestServeTelegramWebhookChecksSecret(t *testing.T) {
	api := newFakeBotAPI(t)
	cfg, err := loadConfig(env(map[string]string{
		"PHUAN_DATA_DIR": t.TempDir(), "PHUAN_ADDR": "127.0.0.1:0",
		"TELEGRAM_BOT_TOKEN": "123:secret-token", "TELEGRAM_API_ENDPOINT": api.srv.URL + "/bot%s/%s",
		"TELEGRAM_WEBHOOK_URL": "https://phuan.example.org/webhooks/telegram", "TELEGRAM_WEBHOOK_SECRET": "s3cret_value",
	}))
	if err != nil {
		t.Fatal(err)
	}
	base := startServe(t, cfg)
	post := func(secret string) int {
		body := `{"update_id":77,"message":` + privateText(9, "/start") + `}`
		req, _ := http.NewRequest("POST", base+"/webhooks/telegram", strings.NewReader(body))
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, bad := range []string{"", "wrong", "s3cret_valu"} {
		if code := post(bad); code != http.StatusUnauthorized {
			t.Fatalf("secret %q answered %d, want 401", bad, code)
		}
	}
	if code := post("s3cret_value"); code != 200 {
		t.Fatalf("good secret answered %d", code)
	}
	if welcome := api.next(t); welcome["chat_id"] != "4242" {
		t.Fatalf("webhook update not answered: %v", welcome)
	}
}
