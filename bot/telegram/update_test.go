package telegram

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"phuan/bot"
)

const testSecret = "s3cret-Webhook_token"

// postUpdate sends body to the channel's webhook handler as Telegram would.
func postUpdate(t testing.TB, h http.Handler, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/telegram/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", testSecret)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func at(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

var testNow = time.Date(2025, 12, 18, 9, 0, 0, 0, time.UTC)

type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// caseCard is the case card the bot posted in the moderators' room, which
// testdata/moderator_*.json reply to.
const caseCard = "C-0042 · unpaid wages · TH · urgent\nສະຖານະ: ເປີດ · ລໍຖ້າຜູ້ຊ່ວຍ\nຄົນ: K7Q (ບໍ່ໃຫ້ເຫັນຊື່)"

// testRoom is the moderators' room of TestUpdates.
const testRoom = "-1001700000009"

// TestUpdates runs each recorded update in testdata/ through the webhook
// and checks the message submitted (or the kind counted as ignored), the
// requests the bot made to the Bot API and the private message ids it
// recorded for a later ClearRecent.
func TestUpdates(t *testing.T) {
	const longPayload = "course:enrol:tailoring-vientiane-2025:step:confirm:province:LA-VT:country:TH"
	lao := func(id string, text string, sec int64) *bot.Message {
		return &bot.Message{ID: id, Channel: "telegram", ChatID: "700001", ChatType: bot.ChatPrivate,
			UserID: "700001", UserName: "ສົມໃຈ", Text: text, LanguageCode: "lo", Time: at(sec)}
	}
	group := func(id, text string, sec int64) *bot.Message {
		return &bot.Message{ID: id, Channel: "telegram", ChatID: "-1001700000001", ChatType: bot.ChatGroup,
			UserID: "700002", UserName: "Noy", Text: text, LanguageCode: "th", Time: at(sec)}
	}
	moderator := func(id, text string, sec int64, replyTo string) *bot.Message {
		return &bot.Message{ID: id, Channel: "telegram", ChatID: testRoom, ChatType: bot.ChatGroup,
			UserID: "800001", UserName: "Kham", Text: text, LanguageCode: "lo", Time: at(sec), ReplyToText: replyTo}
	}
	admins := func(chat string) []apiCall {
		return []apiCall{{Method: "getChatAdministrators", Params: map[string][]string{"chat_id": {chat}}}}
	}
	answered := func(id string) []apiCall {
		return []apiCall{{Method: "answerCallbackQuery", Params: map[string][]string{"callback_query_id": {id}}}}
	}
	tests := []struct {
		file     string
		want     *bot.Message // nil: ignored
		ignored  string
		requests []apiCall
		recorded []int64 // message ids recorded in the private chat 700001
	}{
		{file: "private_text.json", want: lao("5001", "ສະບາຍດີ ຂ້ອຍຢາກຖາມເລື່ອງວີຊາ", 1734480000), recorded: []int64{11}},
		{file: "private_start_deep_link.json", want: lao("5002", "/start src_radio-1", 1734480001), recorded: []int64{12}},
		{file: "private_start_bad_deep_link.json", want: lao("5003", "/start", 1734480002), recorded: []int64{13}},
		// A command in a group says whether its sender is an admin (asked
		// once: the list is kept); a mention costs no request.
		{file: "group_command_at_bot.json", want: func() *bot.Message {
			m := group("5004", "/ask ค่าแรงขั้นต่ำ", 1734480003)
			m.FromGroupAdmin = true
			return m
		}(), requests: admins("-1001700000001")},
		{file: "group_subscribe_member.json", want: &bot.Message{ID: "5041", Channel: "telegram", ChatID: "-1001700000001",
			ChatType: bot.ChatGroup, UserID: "700003", UserName: "Bee", Text: "/subscribe", LanguageCode: "lo",
			Time: at(1734480041)}, requests: admins("-1001700000001")},
		{file: "group_subscribe_anonymous_admin.json", want: &bot.Message{ID: "5040", Channel: "telegram",
			ChatID: "-1001700000001", ChatType: bot.ChatGroup, UserID: "-1001700000001", Text: "/subscribe",
			Time: at(1734480040), FromGroupAdmin: true}},
		{file: "group_command_other_bot.json", ignored: "group_message"},
		{file: "group_mention.json", want: group("5006", "ສະຖານທູດລາວ ຢູ່ໃສ?", 1734480005)},
		{file: "group_reply_to_bot.json", want: func() *bot.Message {
			m := group("5007", "ຂອບໃຈ", 1734480006)
			m.ReplyToText = "ສະບາຍດີ"
			return m
		}()},
		// In the moderators' room a reply to the bot's case card carries
		// the card's text (or caption), so handlers find the case; a reply
		// to anyone else carries none.
		{file: "moderator_reply_to_case_card.json", want: moderator("5030", "ພວກເຮົາຈະໂທຫາເຈົ້າມື້ອື່ນ", 1734480030, caseCard)},
		{file: "moderator_reply_to_card_photo.json", want: moderator("5031", "ຮູບນີ້ແມ່ນສັນຍາບໍ?", 1734480031, "C-0043 · passport taken · MY")},
		{file: "moderator_reply_to_member.json", want: moderator("5032", "ເຫັນດີ", 1734480032, "")},
		{file: "moderator_topic_reply_to_card.json", want: func() *bot.Message {
			m := moderator("5033", "ສະບາຍດີ, ຂ້ອຍແມ່ນຜູ້ຊ່ວຍຈາກ Phuan", 1734480033, caseCard)
			m.ThreadID = "77"
			return m
		}()},
		{file: "group_plain_text.json", ignored: "group_message"},
		{file: "forum_topic_command.json", want: &bot.Message{ID: "5009", Channel: "telegram", ChatID: "-1001700000002",
			ChatType: bot.ChatGroup, ThreadID: "42", UserID: "700002", UserName: "Noy", Text: "/close",
			LanguageCode: "th", Time: at(1734480008), FromGroupAdmin: true}, requests: admins("-1001700000002")},
		// A reply to the topic's opening message is not a reply to the bot.
		{file: "forum_topic_plain.json", ignored: "group_message"},
		{file: "callback_query.json", want: &bot.Message{ID: "5011", Channel: "telegram", ChatID: "700001",
			ChatType: bot.ChatPrivate, UserID: "700001", UserName: "ສົມໃຈ", Payload: "menu:rights",
			LanguageCode: "lo", Time: testNow}, requests: answered("4382000000000001")},
		{file: "callback_token.json", want: &bot.Message{ID: "5012", Channel: "telegram", ChatID: "700001",
			ChatType: bot.ChatPrivate, UserID: "700001", UserName: "ສົມໃຈ", Payload: longPayload,
			LanguageCode: "lo", Time: testNow}, requests: answered("4382000000000002")},
		// A button from an old menu whose token is gone: passed on as it
		// is (handlers answer "this menu is old" and the current menu),
		// and answered.
		{file: "callback_old_menu.json", want: &bot.Message{ID: "5013", Channel: "telegram", ChatID: "700001",
			ChatType: bot.ChatPrivate, UserID: "700001", UserName: "ສົມໃຈ", Payload: "t:ZZZZZZZZZZ",
			LanguageCode: "lo", Time: testNow}, requests: answered("4382000000000003")},
		{file: "voice.json", want: withMedia(lao("5014", "", 1734480010),
			bot.Media{Kind: bot.MediaVoice, Ref: "AwACAgUAAxkBAAIBVoice", MIME: "audio/ogg", Size: 12840}), recorded: []int64{21}},
		{file: "photo.json", want: withMedia(lao("5015", "ສັນຍາຈ້າງງານ <ຂອງຂ້ອຍ> & ໃບຮັບເງິນ", 1734480011),
			bot.Media{Kind: bot.MediaPhoto, Ref: "PHOTO-large", Size: 88120}), recorded: []int64{22}},
		{file: "private_sticker.json", want: withMedia(lao("5026", "", 1734480020),
			bot.Media{Kind: bot.MediaOther, Ref: "STICKER-1", Size: 20000}), recorded: []int64{24}},
		// Not passed on, but on the phone all the same: recorded.
		{file: "private_location.json", ignored: "unsupported_content", recorded: []int64{25}},
		{file: "my_chat_member_kicked.json", want: &bot.Message{ID: "5016", Channel: "telegram", ChatID: "700001",
			ChatType: bot.ChatPrivate, UserID: "700001", LanguageCode: "lo", Event: bot.EventBlocked, Time: at(1734480012)}},
		{file: "my_chat_member_restored.json", want: &bot.Message{ID: "5017", Channel: "telegram", ChatID: "700001",
			ChatType: bot.ChatPrivate, UserID: "700001", LanguageCode: "lo", Event: bot.EventUnblocked, Time: at(1734480013)}},
		{file: "bot_added_to_group.json", want: &bot.Message{ID: "5018", Channel: "telegram", ChatID: "-1001700000001",
			ChatType: bot.ChatGroup, UserID: "700002", LanguageCode: "th", Event: bot.EventJoinedGroup, Time: at(1734480014)}},
		{file: "bot_removed_from_group.json", want: &bot.Message{ID: "5019", Channel: "telegram", ChatID: "-1001700000001",
			ChatType: bot.ChatGroup, UserID: "700002", LanguageCode: "th", Event: bot.EventLeftGroup, Time: at(1734480015)}},
		{file: "migrate_to_chat_id.json", want: &bot.Message{ID: "migrate:-470000001:-1001470000001", Channel: "telegram",
			ChatID: "-470000001", ChatType: bot.ChatGroup, UserID: "700002", Event: bot.EventChatMoved,
			NewChatID: "-1001470000001", Time: at(1734480016)}},
		{file: "migrate_from_chat_id.json", want: &bot.Message{ID: "migrate:-470000001:-1001470000001", Channel: "telegram",
			ChatID: "-470000001", ChatType: bot.ChatGroup, UserID: "700002", Event: bot.EventChatMoved,
			NewChatID: "-1001470000001", Time: at(1734480016)}},
		{file: "edited_message.json", ignored: "edited_message"},
		{file: "channel_post.json", ignored: "channel_post"},
		{file: "unknown_type.json", ignored: "unknown"},
		{file: "chat_member_ignored.json", ignored: "chat_member"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			f := newFakeAPI(t)
			s := openStore(t, "")
			defer s.Close()
			if tok, err := s.PutPayload(longPayload, testNow); err != nil || tok != "VBvFjHzRSa" {
				t.Fatalf("payload token = %q, %v; testdata/callback_token.json expects VBvFjHzRSa", tok, err)
			}
			c, logs := newTestChannel(t, f, func(cfg *Config) {
				cfg.WebhookSecret, cfg.Payloads, cfg.Clock = testSecret, s, fixedClock{testNow}
				cfg.ModeratorChatID = testRoom
			})
			rec := newRecorder()
			resp := postUpdate(t, c.WebhookHandler(rec), body)
			if resp.Code != http.StatusOK {
				t.Fatalf("webhook answered %d %s", resp.Code, resp.Body)
			}
			c.Close() // waits for callback answers
			got := rec.messages()
			switch {
			case tc.want == nil && len(got) != 0:
				t.Fatalf("submitted %+v, want it ignored as %q", got[0], tc.ignored)
			case tc.want != nil && len(got) != 1:
				t.Fatalf("submitted %d messages, want 1", len(got))
			case tc.want != nil && !reflect.DeepEqual(got[0], *tc.want):
				t.Fatalf("message\n got %+v\nwant %+v", got[0], *tc.want)
			}
			if tc.ignored != "" {
				if n := c.metrics.Value("phuan_updates_ignored_total", "channel", "telegram", "kind", tc.ignored); n != 1 {
					t.Errorf("ignored %q counted %d times, want 1", tc.ignored, n)
				}
			}
			reqs := f.callsTo("")
			if len(reqs) != len(tc.requests) {
				t.Fatalf("Bot API requests = %+v, want %+v", reqs, tc.requests)
			}
			for i := range reqs {
				if reqs[i].Method != tc.requests[i].Method || !reflect.DeepEqual(map[string][]string(reqs[i].Params),
					map[string][]string(tc.requests[i].Params)) {
					t.Errorf("request %d = %+v, want %+v", i, reqs[i], tc.requests[i])
				}
			}
			c.flushRecords()
			recorded, err := s.RecentMessageIDs("telegram", "700001", time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(recorded, tc.recorded) {
				t.Errorf("recorded message ids %v, want %v", recorded, tc.recorded)
			}
			assertNoSecrets(t, logs.String())
			if strings.Contains(logs.String(), "C-0042") {
				t.Errorf("logs contain the card's text:\n%s", logs)
			}
		})
	}
}

// TestReplyToTextBounded: a long message of the bot's comes back cut to
// MaxReplyToText bytes on a character boundary.
func TestReplyToTextBounded(t *testing.T) {
	long := "C-0042 · " + strings.Repeat("ກ", 2000) // 3 bytes a letter
	body := fmt.Sprintf(`{"update_id":6001,"message":{"message_id":5,"from":{"id":800001,"is_bot":false,"first_name":"K"},"chat":{"id":%s,"type":"supergroup"},"date":1734480000,"text":"ok","reply_to_message":{"message_id":4,"from":{"id":%d,"is_bot":true,"first_name":"Phuan"},"chat":{"id":%s,"type":"supergroup"},"date":1734470000,"text":%q}}}`,
		testRoom, testBotID, testRoom, long)
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret, cfg.ModeratorChatID = testSecret, testRoom })
	rec := newRecorder()
	if code := postUpdate(t, c.WebhookHandler(rec), []byte(body)).Code; code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	got := rec.messages()[0].ReplyToText
	if len(got) > MaxReplyToText || len(got) < MaxReplyToText-3 || !utf8.ValidString(got) || !strings.HasPrefix(long, got) {
		t.Fatalf("ReplyToText of %d bytes (valid UTF-8: %v), want a prefix of at most %d", len(got), utf8.ValidString(got), MaxReplyToText)
	}
}

func withMedia(m *bot.Message, media ...bot.Media) *bot.Message {
	m.Media = media
	return m
}

// TestMigrationPairHandledOnce: the old group's and the new supergroup's
// service messages are one event for the engine.
func TestMigrationPairHandledOnce(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret = testSecret })
	rec := newRecorder()
	h := c.WebhookHandler(rec)
	for _, name := range []string{"migrate_to_chat_id.json", "migrate_from_chat_id.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if code := postUpdate(t, h, body).Code; code != http.StatusOK {
			t.Fatalf("%s: webhook answered %d", name, code)
		}
	}
	if got := rec.messages(); len(got) != 1 || got[0].Event != bot.EventChatMoved {
		t.Fatalf("submitted %+v, want one chat_moved event", got)
	}
}

// TestCallbackAnsweredOnce: a callback query delivered twice (a webhook
// retry) is submitted as a duplicate and answered only once.
func TestCallbackAnsweredOnce(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret = testSecret })
	rec := newRecorder()
	h := c.WebhookHandler(rec)
	body, err := os.ReadFile(filepath.Join("testdata", "callback_query.json"))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if code := postUpdate(t, h, body).Code; code != http.StatusOK {
			t.Fatalf("webhook answered %d", code)
		}
	}
	c.Close()
	if n := len(f.callsTo("answerCallbackQuery")); n != 1 {
		t.Fatalf("answered %d times, want once", n)
	}
	if n := len(rec.messages()); n != 1 {
		t.Fatalf("recorded %d messages, want 1", n)
	}
}

func assertNoSecrets(t testing.TB, s string) {
	t.Helper()
	for _, secret := range []string{testToken, "AAE-test_TOKEN", testSecret, "ສົມໃຈ", "Noy", "somchai_la"} {
		if bytes.Contains([]byte(s), []byte(secret)) {
			t.Errorf("logs contain %q:\n%s", secret, s)
		}
	}
}

// TestModeratorRoom: in the moderators' room every message is passed on,
// with its topic, not only commands and mentions.
func TestModeratorRoom(t *testing.T) {
	body, err := os.ReadFile(filepath.Join("testdata", "forum_topic_plain.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) {
		cfg.WebhookSecret, cfg.ModeratorChatID = testSecret, "-1001700000002"
	})
	rec := newRecorder()
	if code := postUpdate(t, c.WebhookHandler(rec), body).Code; code != http.StatusOK {
		t.Fatalf("webhook answered %d", code)
	}
	got := rec.messages()
	if len(got) != 1 || got[0].Text != "I'll call her tomorrow" || got[0].ThreadID != "42" || got[0].ChatType != bot.ChatGroup {
		t.Fatalf("submitted %+v", got)
	}
}

func TestFilterText(t *testing.T) {
	c := &Channel{botID: testBotID, botUserName: testBotName}
	group := &message{Chat: chat{ID: -100, Type: "supergroup"}}
	private := &message{Chat: chat{ID: 5, Type: "private"}}
	tests := []struct {
		text string
		m    *message
		want string
		keep bool
	}{
		{"/ask\nຄ່າແຮງງານ ຂັ້ນຕ່ຳ", group, "/ask ຄ່າແຮງງານ ຂັ້ນຕ່ຳ", true},
		{"/ask@PHUAN_BOT ຄຳຖາມ", group, "/ask ຄຳຖາມ", true},
		{"/ask@phuan_bot_two ຄຳຖາມ", group, "", false},
		{"@phuan_botty hello", group, "", false},
		{"ສະບາຍດີ @Phuan_Bot ຊ່ວຍແດ່", group, "ສະບາຍດີ ຊ່ວຍແດ່", true},
		{"write to x@phuan_bot.org", group, "", false},
		{"(@phuan_bot) ຊ່ວຍ", group, "() ຊ່ວຍ", true},
		{"/start@phuan_bot src_fb", private, "/start src_fb", true},
		{"/start " + strings.Repeat("a", 65), private, "/start", true},
		{"/start ສະບາຍດີ", private, "/start", true},
		{"/help@other_bot", private, "/help", true},
		{"ສະບາຍດີ @phuan_bot", private, "ສະບາຍດີ @phuan_bot", true},
	}
	for _, tc := range tests {
		ct, _ := chatType(tc.m.Chat.Type)
		got, keep := c.filterText(tc.text, tc.m, ct)
		if got != tc.want || keep != tc.keep {
			t.Errorf("filterText(%q) = %q, %v; want %q, %v", tc.text, got, keep, tc.want, tc.keep)
		}
	}
}

// TestDeepLinkFromGroup: a link a group message carries to the private chat
// (https://t.me/BOT?start=PAYLOAD, BOT from BotUserName) arrives, when the
// person presses Start, as "/start PAYLOAD" in their private chat.
func TestDeepLinkFromGroup(t *testing.T) {
	f := newFakeAPI(t)
	c, _ := newTestChannel(t, f, func(cfg *Config) { cfg.WebhookSecret = testSecret })
	const payload = "case_C-0042"
	link := "https://t.me/" + c.BotUserName() + "?start=" + payload
	if link != "https://t.me/phuan_bot?start=case_C-0042" {
		t.Fatalf("link %q", link)
	}
	err := c.Send(t.Context(), bot.Delivery{ChatID: "-1001700000001", Group: true, Reply: bot.Reply{Text: "ລົມກັບຜູ້ຊ່ວຍແບບສ່ວນຕົວ",
		Buttons: [][]bot.Button{{{Label: "ເປີດ", URL: link}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if markup := f.callsTo("sendMessage")[0].Params.Get("reply_markup"); !strings.Contains(markup, `"url":"`+link+`"`) {
		t.Fatalf("keyboard %s", markup)
	}
	rec := newRecorder()
	h := c.WebhookHandler(rec)
	for i, text := range []string{"/start " + payload, "/start@" + testBotName + " " + payload} {
		body := privateUpdate(int64(7000+i), int64(40+i), testNow, fmt.Sprintf(`"text":%q`, text))
		if code := postUpdate(t, h, body).Code; code != http.StatusOK {
			t.Fatalf("webhook answered %d", code)
		}
		if got := rec.messages()[i]; got.Text != "/start "+payload || got.ChatType != bot.ChatPrivate {
			t.Errorf("%q arrived as %q in a %s chat", text, got.Text, got.ChatType)
		}
	}
}
