package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"phuan/bot"
)

// laoText builds about n characters of Lao: sentences with spaces, then
// long runs without any (as Lao is often written), full of vowel and tone
// marks that must stay with their consonant.
func laoText(n int) string {
	phrases := []string{
		"ມະນຸດທຸກຄົນເກີດມາມີອິດສະລະພາບ ແລະ ສະເໝີພາບກັນໃນທາງກຽດສັກສີ ແລະ ສິດທິ. ",
		"ແຮງງານຂ້າມຊາຍແດນມີສິດໄດ້ຮັບຄ່າແຮງງານຢ່າງຍຸຕິທຳ ",
		"ເມື່ອນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນໃຫ້ຕິດຕໍ່ສູນຊ່ວຍເຫຼືອທັນທີ\n",
		"ເຈົ້າຂອງກິດຈະການນ້ອຍຄວນຮຽນຮູ້ການບັນຊີເບື້ອງຕົ້ນແລະການຕະຫຼາດຜ່ານອອນລາຍເພື່ອເພີ່ມລາຍຮັບໃຫ້ຄອບຄົວ",
	}
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < n; i++ {
		b.WriteString(phrases[i%len(phrases)])
	}
	return string([]rune(b.String())[:n])
}

func sentTexts(f *fakeAPI) []string {
	var out []string
	for _, c := range f.callsTo("sendMessage") {
		out = append(out, html.UnescapeString(c.Params.Get("text")))
	}
	return out
}

func TestSendSplitsLongLao(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
	}{
		{"phrases", laoText(10000)},
		{"no spaces", strings.ReplaceAll(strings.ReplaceAll(laoText(10000), " ", ""), "\n", "")},
		{"emoji", strings.Repeat("ສູ້ໆ🙏💪", 2000)}, // astral characters count twice in UTF-16
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c, _ := newTestChannel(t, f, nil)
			d := bot.Delivery{Seq: 7, ChatID: "700001", Reply: bot.Reply{Text: tc.text,
				Buttons: [][]bot.Button{{{Label: "ເມນູ", Payload: "menu"}}}}, Attempt: 1}
			if err := c.Send(context.Background(), d); err != nil {
				t.Fatal(err)
			}
			calls := f.callsTo("sendMessage")
			parts := sentTexts(f)
			if len(parts) < 3 {
				t.Fatalf("%d parts for %d characters", len(parts), utf8.RuneCountInString(tc.text))
			}
			for i, p := range parts {
				if n := utf16Len(p); n > MaxTextLength || n == 0 {
					t.Errorf("part %d has %d UTF-16 units", i, n)
				}
				first, _ := utf8.DecodeRuneInString(p)
				last, _ := utf8.DecodeLastRuneInString(p)
				if unicode.Is(unicode.Mn, first) || unicode.Is(unicode.Mc, first) {
					t.Errorf("part %d starts inside a cluster with %U", i, first)
				}
				if last >= 0x0EC0 && last <= 0x0EC4 {
					t.Errorf("part %d ends with a stranded leading vowel %U", i, last)
				}
				if calls[i].Params.Get("parse_mode") != "HTML" {
					t.Errorf("part %d has parse_mode %q", i, calls[i].Params.Get("parse_mode"))
				}
				hasKeyboard := calls[i].Params.Get("reply_markup") != ""
				if hasKeyboard != (i == len(parts)-1) {
					t.Errorf("part %d of %d: keyboard %v", i, len(parts), hasKeyboard)
				}
			}
			squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
			if squash(strings.Join(parts, "")) != squash(tc.text) {
				t.Fatal("the parts do not add up to the text")
			}
		})
	}
}

func TestSendEscapesHTML(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, nil)
	text := `<b>ສະບາຍດີ</b> & สวัสดีครับ <script>alert("x")</script> 5 < 6 > 4 'q' &amp;`
	if err := c.Send(context.Background(), bot.Delivery{ChatID: "1", Reply: bot.Reply{Text: text}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(context.Background(), bot.Delivery{ChatID: "1", Reply: bot.Reply{Text: text,
		Media: []bot.Media{{Kind: bot.MediaPhoto, Ref: "PHOTO-1"}}}}); err != nil {
		t.Fatal(err)
	}
	msg := f.callsTo("sendMessage")[0].Params
	photo := f.callsTo("sendPhoto")[0].Params
	for _, got := range []string{msg.Get("text"), photo.Get("caption")} {
		if strings.ContainsAny(strings.ReplaceAll(got, "&amp;", ""), `<>"`) || strings.Contains(got, "<b>") {
			t.Errorf("not escaped: %q", got)
		}
		if html.UnescapeString(got) != text {
			t.Errorf("escaping lost text: %q", got)
		}
	}
	if photo.Get("photo") != "PHOTO-1" || photo.Get("parse_mode") != "HTML" {
		t.Errorf("photo params %v", photo)
	}
}

func TestSendMediaThreadsAndPaidBroadcast(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.PaidBroadcast = true })
	ctx := context.Background()
	// Long text and a voice note: text first, then the voice with the buttons.
	err := c.Send(ctx, bot.Delivery{ChatID: "-1001700000002", ThreadID: "42", Group: true, Purpose: bot.PurposeModerator,
		Reply: bot.Reply{Text: laoText(1500), Media: []bot.Media{{Kind: bot.MediaVoice, Ref: "VOICE-1"}},
			Buttons: [][]bot.Button{{{Label: "ປິດ", Payload: "case:close"}, {Label: "Link", URL: "https://example.org/x"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.callsTo("")
	if len(calls) != 2 || calls[0].Method != "sendMessage" || calls[1].Method != "sendVoice" {
		t.Fatalf("requests %+v", calls)
	}
	for _, call := range calls {
		if call.Params.Get("message_thread_id") != "42" {
			t.Errorf("%s without message_thread_id", call.Method)
		}
		if call.Params.Has("allow_paid_broadcast") {
			t.Errorf("%s: paid broadcast for a moderator message", call.Method)
		}
	}
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string  `json:"text"`
			CallbackData *string `json:"callback_data"`
			URL          *string `json:"url"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(calls[1].Params.Get("reply_markup")), &kb); err != nil {
		t.Fatal(err)
	}
	if len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 2 ||
		*kb.InlineKeyboard[0][0].CallbackData != "case:close" || *kb.InlineKeyboard[0][1].URL != "https://example.org/x" {
		t.Errorf("keyboard %+v", kb)
	}
	if err := c.Send(ctx, bot.Delivery{ChatID: "5", Purpose: bot.PurposeBroadcast, Reply: bot.Reply{Text: "ງານບຸນ 18 ທັນວາ"}}); err != nil {
		t.Fatal(err)
	}
	if last := f.callsTo("sendMessage"); last[len(last)-1].Params.Get("allow_paid_broadcast") != "true" {
		t.Error("broadcast without allow_paid_broadcast")
	}
	// Nothing to send is a permanent failure, not a 400 from Telegram.
	err = c.Send(ctx, bot.Delivery{ChatID: "5", Reply: bot.Reply{Text: "  ", Buttons: [][]bot.Button{{{Label: "x", Payload: "x"}}}}})
	if se := bot.ClassifySendError(err); se.Kind != bot.Permanent {
		t.Errorf("empty reply: %v", err)
	}
}

// TestSendLongPayloadRoundTrip: a payload longer than callback_data goes
// out as a token and comes back, when pressed, as the payload.
func TestSendLongPayloadRoundTrip(t *testing.T) {
	s := openStore(t, "")
	defer s.Close()
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.Payloads, cfg.WebhookSecret = s, testSecret })
	long := "course:enrol:" + strings.Repeat("ຕັດຫຍິບ", 10) // 13 + 210 bytes
	short := "menu:rights"
	tricky := "t:looks-like-a-token"
	err := c.Send(context.Background(), bot.Delivery{Seq: 1, ChatID: "700001", Reply: bot.Reply{Text: "ເລືອກ",
		Buttons: [][]bot.Button{{{Label: "A", Payload: long}, {Label: "B", Payload: short}, {Label: "C", Payload: tricky}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var kb struct {
		InlineKeyboard [][]struct {
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(f.callsTo("sendMessage")[0].Params.Get("reply_markup")), &kb); err != nil {
		t.Fatal(err)
	}
	row := kb.InlineKeyboard[0]
	for _, b := range row {
		if len(b.CallbackData) > MaxCallbackData {
			t.Errorf("callback_data of %d bytes", len(b.CallbackData))
		}
	}
	if !strings.HasPrefix(row[0].CallbackData, "t:") || row[1].CallbackData != short || !strings.HasPrefix(row[2].CallbackData, "t:") ||
		row[2].CallbackData == tricky {
		t.Fatalf("callback data %+v", row)
	}
	rec := newRecorder()
	h := c.WebhookHandler(rec)
	for i, want := range []string{long, short, tricky} {
		body := fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"cb%d","from":{"id":700001,"is_bot":false,"first_name":"S"},"message":{"message_id":5,"chat":{"id":700001,"type":"private"},"date":1734480000,"text":"x"},"chat_instance":"1","data":%q}}`,
			900+i, i, row[i].CallbackData)
		if code := postUpdate(t, h, []byte(body)).Code; code != http.StatusOK {
			t.Fatalf("webhook answered %d", code)
		}
		if got := rec.messages()[i].Payload; got != want {
			t.Errorf("button %d came back as %q, want %q", i, got, want)
		}
	}
	// Without a payload store a long payload cannot be sent: permanent.
	c2, _ := newTestChannel(t, f, nil)
	err = c2.Send(context.Background(), bot.Delivery{ChatID: "1", Reply: bot.Reply{Text: "x",
		Buttons: [][]bot.Button{{{Label: "A", Payload: long}}}}})
	if se := bot.ClassifySendError(err); se.Kind != bot.Permanent {
		t.Errorf("long payload without a store: %v", err)
	}
}

func TestSendErrorClasses(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		kind       bot.SendErrorKind
		retryAfter time.Duration
		newChat    string
	}{
		{"429", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}`, bot.Throttled, 7 * time.Second, ""},
		{"500", 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, bot.Transient, 0, ""},
		{"502 html", 502, `<html>Bad Gateway</html>`, bot.Transient, 0, ""},
		{"blocked", 403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, bot.Unreachable, 0, ""},
		{"deactivated", 403, `{"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"}`, bot.Unreachable, 0, ""},
		{"kicked", 403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the supergroup chat"}`, bot.Unreachable, 0, ""},
		{"no rights", 403, `{"ok":false,"error_code":403,"description":"Forbidden: not enough rights to send text messages to the chat"}`, bot.Permanent, 0, ""},
		{"migrated", 400, `{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001470000001}}`, bot.ChatMoved, 0, "-1001470000001"},
		{"bad request", 400, `{"ok":false,"error_code":400,"description":"Bad Request: message thread not found"}`, bot.Permanent, 0, ""},
		{"token refused", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, bot.Transient, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			f.setResponder(func(method string, _ url.Values) (int, string, bool) {
				return tc.status, tc.body, method == "sendMessage"
			})
			c, _ := newTestChannel(t, f, nil)
			err := c.Send(context.Background(), bot.Delivery{Seq: 3, ChatID: "-470000001", Reply: bot.Reply{Text: "ສະບາຍດີ"}})
			var se *bot.SendError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *bot.SendError", err)
			}
			if se.Kind != tc.kind || se.RetryAfter != tc.retryAfter || se.NewChatID != tc.newChat {
				t.Fatalf("got %s after %s to %q (%v), want %s after %s to %q",
					se.Kind, se.RetryAfter, se.NewChatID, err, tc.kind, tc.retryAfter, tc.newChat)
			}
		})
	}
	t.Run("network", func(t *testing.T) {
		f := newFakeAPI(t)
		c, logs := newTestChannel(t, f, nil)
		f.srv.CloseClientConnections()
		f.srv.Close()
		err := c.Send(context.Background(), bot.Delivery{ChatID: "1", Reply: bot.Reply{Text: "x"}})
		if se := bot.ClassifySendError(err); se.Kind != bot.Transient {
			t.Fatalf("got %v, want transient", err)
		}
		if strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "<token>") {
			t.Fatalf("the token is not redacted: %v", err)
		}
		assertNoSecrets(t, logs.String()+err.Error())
	})
	t.Run("cancelled", func(t *testing.T) {
		f := newFakeAPI(t)
		c, _ := newTestChannel(t, f, nil)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := c.Send(ctx, bot.Delivery{ChatID: "1", Reply: bot.Reply{Text: "x"}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled in the chain", err)
		}
	})
}

// TestSendResumesMultiPart: the parts Telegram accepted are reported as
// they go, and a retry of the same outbox item (here, or in a new process
// after a crash: the sender stores the count) does not send them again.
func TestSendResumesMultiPart(t *testing.T) {
	f := newFakeAPI(t)
	var mu sync.Mutex
	sends := 0
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if method != "sendMessage" {
			return 0, "", false
		}
		sends++
		if sends == 2 {
			return 500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`, true
		}
		return 0, "", false
	})
	c, _ := newTestChannel(t, f, nil)
	d := bot.Delivery{Seq: 42, ChatID: "700001", Reply: bot.Reply{Text: laoText(10000)}, Attempt: 1}
	var reported []int
	d.Progress = func(n int) { d.PartsSent = n; reported = append(reported, n) } // as the sender does
	err := c.Send(context.Background(), d)
	if se := bot.ClassifySendError(err); se.Kind != bot.Transient {
		t.Fatalf("first attempt: %v", err)
	}
	d.Attempt = 2
	if err := c.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	texts := sentTexts(f)
	// Part 1 ok, part 2 failed, then parts 2 and 3.
	if len(texts) != 4 || texts[1] != texts[2] || texts[0] == texts[1] || texts[2] == texts[3] {
		t.Fatalf("sent %d requests; want part 1, part 2 (failed), part 2, part 3", len(texts))
	}
	if fmt.Sprint(reported) != "[1 2]" {
		t.Errorf("parts reported %v, want [1 2] (never the last)", reported)
	}

	// A crash after part 2: a new process goes on with part 3.
	c2, _ := newTestChannel(t, f, nil)
	d.PartsSent = 2
	if err := c2.Send(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if texts := sentTexts(f); len(texts) != 5 || texts[4] != texts[3] {
		t.Fatalf("a new process sent %d parts, want part 3 only", len(texts)-4)
	}
}

func TestSetupCalls(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) {
		cfg.WebhookURL, cfg.WebhookSecret = "https://phuan.example.org/telegram/webhook", testSecret
	})
	ctx := context.Background()
	if err := c.SetWebhook(ctx); err != nil {
		t.Fatal(err)
	}
	wh := f.callsTo("setWebhook")[0].Params
	if wh.Get("url") != "https://phuan.example.org/telegram/webhook" || wh.Get("secret_token") != testSecret ||
		wh.Get("allowed_updates") != `["message","callback_query","my_chat_member"]` {
		t.Errorf("setWebhook %v", wh)
	}
	err := c.SetCommands(ctx, map[string][]Command{
		"":   {{"start", "Start"}, {"help", "Help"}},
		"lo": {{"start", "ເລີ່ມຕົ້ນ"}, {"help", "ຊ່ວຍເຫຼືອ"}},
		"th": {{"start", "เริ่มต้น"}},
		"en": {{"start", "Start"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cmds := f.callsTo("setMyCommands")
	var langs []string
	for _, call := range cmds {
		langs = append(langs, call.Params.Get("language_code"))
	}
	if strings.Join(langs, ",") != ",en,lo,th" {
		t.Errorf("setMyCommands languages %q", langs)
	}
	if cmds[0].Params.Has("language_code") {
		t.Error("the default commands carry a language_code")
	}
	if got := cmds[2].Params.Get("commands"); got != `[{"command":"start","description":"ເລີ່ມຕົ້ນ"},{"command":"help","description":"ຊ່ວຍເຫຼືອ"}]` {
		t.Errorf("lo commands %s", got)
	}
	if err := c.SetCommands(ctx, map[string][]Command{"lo": {{"Start!", "x"}}}); err == nil {
		t.Error("a malformed command name was accepted")
	}
	thread, err := c.CreateForumTopic(ctx, "-1001700000002", "case K7Q")
	if err != nil || thread != "77" {
		t.Fatalf("CreateForumTopic = %q, %v", thread, err)
	}
	if p := f.callsTo("createForumTopic")[0].Params; p.Get("chat_id") != "-1001700000002" || p.Get("name") != "case K7Q" {
		t.Errorf("createForumTopic %v", p)
	}
	if c.WebhookPath() != "/telegram/webhook" {
		t.Errorf("webhook path %q", c.WebhookPath())
	}
	if c.Name() != "telegram" || c.BotUserName() != testBotName || c.Limits() != DefaultLimits(false) {
		t.Errorf("name %q, bot %q, limits %+v", c.Name(), c.BotUserName(), c.Limits())
	}
}

func TestNewChecksConfig(t *testing.T) {
	f := newFakeAPI(t)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no token", Config{Endpoint: f.endpoint()}},
		{"bad endpoint", Config{Token: testToken, Endpoint: f.srv.URL + "/bot/%s"}},
		{"webhook without secret", Config{Token: testToken, Endpoint: f.endpoint(), WebhookURL: "https://x.example/wh"}},
		{"bad secret", Config{Token: testToken, Endpoint: f.endpoint(), WebhookURL: "https://x.example/wh", WebhookSecret: "no spaces allowed"}},
		{"bad moderator chat", Config{Token: testToken, Endpoint: f.endpoint(), ModeratorChatID: "@mods"}},
		{"token refused", Config{Token: "42:wrong-token", Endpoint: f.endpoint()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil {
				t.Fatal("accepted")
			}
			if tc.cfg.Token != "" && strings.Contains(err.Error(), tc.cfg.Token) {
				t.Fatalf("error shows the token: %v", err)
			}
			t.Log(err)
		})
	}
	if got := DefaultLimits(true).PerSecond; got != 1000 {
		t.Errorf("paid limit %v", got)
	}
}

// TestSendUploadsGeneratedFile: a file the bot made (a person's data
// export) goes up as multipart/form-data with its name and bytes.
func TestSendUploadsGeneratedFile(t *testing.T) {
	export := []byte(`{"person":{"language":"lo","country":"TH"},"subscriptions":["events"],"cases":[]}`)
	doc := func(name string) []bot.Media {
		return []bot.Media{{Kind: bot.MediaDocument, Name: name, MIME: "application/json", Data: export}}
	}
	tests := []struct {
		name     string
		reply    bot.Reply
		file     string // the name the upload carries
		caption  string
		texts    int  // sendMessage parts before the document
		keyboard bool // buttons under the document
	}{
		{name: "with a caption", reply: bot.Reply{Text: "ຂໍ້ມູນຂອງເຈົ້າ <JSON>", Media: doc("phuan-data.json")},
			file: "phuan-data.json", caption: "ຂໍ້ມູນຂອງເຈົ້າ &lt;JSON&gt;"},
		{name: "alone", reply: bot.Reply{Media: doc("ຂໍ້ມູນ.json")}, file: "ຂໍ້ມູນ.json"},
		{name: "no name", reply: bot.Reply{Media: doc("")}, file: "file"},
		{name: "a path for a name", reply: bot.Reply{Media: doc("../../etc/phuan\r\n.json")}, file: "phuan.json"},
		{name: "after a long text", reply: bot.Reply{Text: laoText(1500), Media: doc("phuan-data.json"),
			Buttons: [][]bot.Button{{{Label: "ເມນູ", Payload: "menu"}}}}, file: "phuan-data.json", texts: 1, keyboard: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeAPI(t)
			c, logs := newTestChannel(t, f, nil)
			if err := c.Send(context.Background(), bot.Delivery{Seq: 1, ChatID: "700001", Reply: tc.reply}); err != nil {
				t.Fatal(err)
			}
			if n := len(f.callsTo("sendMessage")); n != tc.texts {
				t.Errorf("%d text parts, want %d", n, tc.texts)
			}
			docs := f.callsTo("sendDocument")
			if len(docs) != 1 {
				t.Fatalf("%d sendDocument requests, want 1", len(docs))
			}
			call := docs[0]
			up, ok := call.Files["document"]
			if !ok || call.Params.Has("document") {
				t.Fatalf("the document is not a multipart file: params %v, files %v", call.Params, call.Files)
			}
			if up.Name != tc.file || !bytes.Equal(up.Data, export) {
				t.Errorf("uploaded %q with %d bytes, want %q with %d", up.Name, len(up.Data), tc.file, len(export))
			}
			if call.Params.Get("chat_id") != "700001" || call.Params.Get("caption") != tc.caption {
				t.Errorf("params %v", call.Params)
			}
			if call.Params.Has("reply_markup") != tc.keyboard {
				t.Errorf("keyboard on the document: %v, want %v", call.Params.Has("reply_markup"), tc.keyboard)
			}
			if strings.Contains(logs.String(), "subscriptions") {
				t.Errorf("the file's content was logged")
			}
		})
	}
}

// TestSendUploadErrors: an upload's failures are classified like any
// send's (the library leaves the error code out of upload errors), and a
// file over the Bot API's limit is refused without a request.
func TestSendUploadErrors(t *testing.T) {
	d := bot.Delivery{Seq: 2, ChatID: "700001", Reply: bot.Reply{Text: "data",
		Media: []bot.Media{{Kind: bot.MediaDocument, Name: "phuan-data.json", Data: []byte("{}")}}}}
	for _, tc := range []struct {
		status     int
		body       string
		kind       bot.SendErrorKind
		retryAfter time.Duration
	}{
		{403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, bot.Unreachable, 0},
		{429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}}`, bot.Throttled, 9 * time.Second},
		{400, `{"ok":false,"error_code":400,"description":"Bad Request: file must be non-empty"}`, bot.Permanent, 0},
		{502, `<html>Bad Gateway</html>`, bot.Transient, 0},
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			f := newFakeAPI(t)
			f.setResponder(func(method string, _ url.Values) (int, string, bool) {
				return tc.status, tc.body, method == "sendDocument"
			})
			c, _ := newTestChannel(t, f, nil)
			err := c.Send(context.Background(), d)
			se := bot.ClassifySendError(err)
			if se.Kind != tc.kind || se.RetryAfter != tc.retryAfter {
				t.Fatalf("got %s after %s (%v), want %s after %s", se.Kind, se.RetryAfter, err, tc.kind, tc.retryAfter)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, nil)
	huge := d
	huge.Reply.Media = []bot.Media{{Kind: bot.MediaDocument, Name: "big.json", Data: make([]byte, MaxUploadBytes+1)}}
	if se := bot.ClassifySendError(c.Send(context.Background(), huge)); se.Kind != bot.Permanent {
		t.Fatalf("an oversized file: %v", se)
	}
	if n := len(f.callsTo("")); n != 0 {
		t.Fatalf("%d requests for an oversized file", n)
	}
}

func TestTypingOn(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, nil)
	if err := c.TypingOn(context.Background(), "700001"); err != nil {
		t.Fatal(err)
	}
	calls := f.callsTo("sendChatAction")
	if len(calls) != 1 || calls[0].Params.Get("chat_id") != "700001" || calls[0].Params.Get("action") != "typing" {
		t.Fatalf("requests %+v", f.callsTo(""))
	}
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		return 403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, true
	})
	err := c.TypingOn(context.Background(), "700001")
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Unreachable || strings.Contains(err.Error(), testToken) {
		t.Fatalf("got %v, want an unreachable send error", err)
	}
}

// TestSendKeepsConnectionAfterChunkedAnswer sends long messages to an API
// that answers them in chunks, echoing the text back as Telegram does:
// every send must reuse the one connection.
func TestSendKeepsConnectionAfterChunkedAnswer(t *testing.T) {
	var dialled atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		w.Header().Set("Content-Type", "application/json")
		if method == "getMe" {
			io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Phuan","username":"phuan_bot"}}`)
			return
		}
		r.ParseForm()
		text, _ := json.Marshal(r.PostForm.Get("text"))
		io.WriteString(w, `{"ok":true,"result":{"message_id":9,"chat":{"id":700001,"type":"private"},"text":`)
		w.(http.Flusher).Flush() // from here on the answer goes in chunks
		io.WriteString(w, string(text)+"}}")
		w.(http.Flusher).Flush()
		// What follows the JSON value is left unread by the library's
		// decoder; a connection is reused only once it is read.
		io.WriteString(w, strings.Repeat(" ", 8<<10)+"\n")
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Config{Token: testToken, Endpoint: srv.URL + "/bot%s/%s"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 5 {
		d := bot.Delivery{Seq: uint64(i + 1), ChatID: "700001", Reply: bot.Reply{Text: laoText(1000)}, Attempt: 1}
		if err := c.Send(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	if n := dialled.Load(); n != 1 {
		t.Errorf("%d connections for getMe and 5 sends, want 1", n)
	}
}

// TestSendFileRefusedByAddress: a file Telegram will not take from its
// web address (Messenger audio, say) goes as a link with its caption and
// buttons; a refused file id stays an error.
func TestSendFileRefusedByAddress(t *testing.T) {
	f := newFakeAPI(t)
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		return 400, `{"ok":false,"error_code":400,"description":"Bad Request: wrong type of the web page content"}`,
			method == "sendVoice" || method == "sendPhoto"
	})
	c, _ := newTestChannel(t, f, nil)
	ctx := context.Background()
	voice := "https://cdn.fbsbx.com/v/t59/audioclip-1.mp4?oh=x&oe=y"
	err := c.Send(ctx, bot.Delivery{ChatID: "-1001700000002", ThreadID: "42", Purpose: bot.PurposeModerator,
		Reply: bot.Reply{Text: "C-0001 · Friend-7K2:", Media: []bot.Media{{Kind: bot.MediaVoice, Ref: voice}},
			Buttons: [][]bot.Button{{{Label: "Claim", Payload: "case:claim:C-0001"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	calls := f.callsTo("")
	if len(calls) != 2 || calls[0].Method != "sendVoice" || calls[1].Method != "sendMessage" {
		t.Fatalf("requests %+v", calls)
	}
	sent := calls[1].Params
	if sent.Get("text") != html.EscapeString("C-0001 · Friend-7K2:\n🎤 "+voice) || sent.Get("message_thread_id") != "42" ||
		!strings.Contains(sent.Get("reply_markup"), "case:claim:C-0001") {
		t.Errorf("link sent as %v", sent)
	}
	err = c.Send(ctx, bot.Delivery{ChatID: "5", Reply: bot.Reply{Media: []bot.Media{{Kind: bot.MediaPhoto, Ref: "AgACAgQAAxkB"}}}})
	if se := bot.ClassifySendError(err); se == nil || se.Kind != bot.Permanent {
		t.Errorf("a refused file id: %v", err)
	}
	if n := len(f.callsTo("sendMessage")); n != 1 {
		t.Errorf("a refused file id fell back to a message (%d sendMessage calls)", n)
	}
}

// TestSendTopicGone: a part for a topic deleted or closed in the
// moderators' room goes to the room's general chat instead of failing.
func TestSendTopicGone(t *testing.T) {
	for _, desc := range []string{"Bad Request: message thread not found", "Bad Request: TOPIC_CLOSED"} {
		f := newFakeAPI(t)
		f.setResponder(func(method string, p url.Values) (int, string, bool) {
			return 400, `{"ok":false,"error_code":400,"description":"` + desc + `"}`, p.Has("message_thread_id")
		})
		c, _ := newTestChannel(t, f, nil)
		err := c.Send(context.Background(), bot.Delivery{ChatID: "-1001700000002", ThreadID: "42", Purpose: bot.PurposeModerator,
			Reply: bot.Reply{Text: "C-0001 · Friend-7K2: ຊ່ວຍແດ່", Buttons: [][]bot.Button{{{Label: "Claim", Payload: "case:claim:C-0001"}}}}})
		if err != nil {
			t.Fatalf("%s: %v", desc, err)
		}
		calls := f.callsTo("sendMessage")
		if len(calls) != 2 || calls[1].Params.Has("message_thread_id") || calls[1].Params.Get("text") != calls[0].Params.Get("text") ||
			calls[1].Params.Get("reply_markup") == "" {
			t.Errorf("%s: requests %+v", desc, calls)
		}
	}
	// Any other refusal stays an error, and a chat without topics is not retried.
	f := newFakeAPI(t)
	f.setResponder(func(method string, _ url.Values) (int, string, bool) {
		return 400, `{"ok":false,"error_code":400,"description":"Bad Request: message thread not found"}`, method == "sendMessage"
	})
	c, _ := newTestChannel(t, f, nil)
	err := c.Send(context.Background(), bot.Delivery{ChatID: "5", Reply: bot.Reply{Text: "x"}})
	if se := bot.ClassifySendError(err); se == nil || se.Kind != bot.Permanent || len(f.callsTo("sendMessage")) != 1 {
		t.Errorf("without a topic: %v, %d requests", err, len(f.callsTo("sendMessage")))
	}
}
