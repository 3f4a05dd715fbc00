package messenger

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"phuan/bot"
)

// sendReply sends r as a response within the window and returns what Meta got.
func sendReply(t *testing.T, r bot.Reply) ([]graphCall, error) {
	t.Helper()
	g := newFakeGraph(t)
	contacts := &memContacts{}
	contacts.RecordContact(ChannelName, psidA, baseTime())
	ch := newTestChannel(t, g, contacts, newClock(baseTime().Add(time.Hour)), nil, nil)
	err := ch.Send(t.Context(), bot.Delivery{Seq: 1, ChatID: psidA, Purpose: bot.PurposeResponse, Reply: r, Attempt: 1})
	return g.Calls(), err
}

// laoText is a long Lao text of phrases separated by spaces, as Lao is
// written, with a paragraph break now and then.
func laoText(runes int) string {
	phrases := []string{"ແຮງງານລາວໃນຕ່າງປະເທດມີສິດໄດ້ຮັບຄ່າຈ້າງຕາມສັນຍາ", "ຖ້ານາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນໃຫ້ຕິດຕໍ່ສະຖານທູດ",
		"ຢ່າມອບໜັງສືຜ່ານແດນໃຫ້ຜູ້ອື່ນເກັບໄວ້", "ກວດເບິ່ງສັນຍາກ່ອນເຊັນທຸກຄັ້ງ"}
	var b strings.Builder
	for i := 0; len([]rune(b.String())) < runes; i++ {
		b.WriteString(phrases[i%len(phrases)])
		if i%7 == 6 {
			b.WriteString("\n\n")
		} else {
			b.WriteString(" ")
		}
	}
	return strings.TrimSpace(b.String())
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// checkClusters fails if s starts with a mark that belongs to the letter
// before it, or ends with a vowel written before its consonant.
func checkClusters(t *testing.T, what, s string) {
	t.Helper()
	r := []rune(s)
	if len(r) == 0 {
		return
	}
	if unicode.Is(unicode.Mn, r[0]) || unicode.Is(unicode.Mc, r[0]) {
		t.Errorf("%s starts with a combining mark: %q", what, s)
	}
	if isLeadingVowel(r[len(r)-1]) {
		t.Errorf("%s ends with a leading vowel: %q", what, s)
	}
}

func TestSendSplitsLongLaoText(t *testing.T) {
	for name, text := range map[string]string{
		"phrases":   laoText(5200),
		"no spaces": strings.Repeat("ເກົ້າແມ່ນ້ຳຂອງໄຫຼຜ່ານວຽງຈັນ", 200),
	} {
		t.Run(name, func(t *testing.T) {
			calls, err := sendReply(t, bot.Reply{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) < 3 {
				t.Fatalf("%d parts, want at least 3", len(calls))
			}
			var joined strings.Builder
			for i, c := range calls {
				part := str(c.Body, "message", "text")
				if n := len([]rune(part)); n == 0 || n > 2000 {
					t.Errorf("part %d has %d characters", i, n)
				}
				checkClusters(t, fmt.Sprintf("part %d", i), part)
				joined.WriteString(part)
			}
			if noSpace(joined.String()) != noSpace(text) {
				t.Error("the parts do not add up to the text")
			}
		})
	}
}

func TestSendQuickRepliesCutLaoTitles(t *testing.T) {
	labels := []string{
		"ພາສາລາວ",
		strings.Repeat("ກ", 18) + "ເກົ້າຫຼັກສູດຕັດຫຍິບ", // a cut after 19 would strand ເ
		strings.Repeat("ກ", 18) + "ກີ້ວຽກເຮັດງານທຳ",     // a cut after 19 would split ກີ້
		"ການຝຶກອົບຮົມວິຊາຊີບສຳລັບແຮງງານກັບຄືນ",
	}
	var row []bot.Button
	for i, l := range labels {
		row = append(row, bot.Button{Label: l, Payload: fmt.Sprintf("choice:%d", i)})
	}
	calls, err := sendReply(t, bot.Reply{Text: laoText(2500), Buttons: [][]bot.Button{row[:2], row[2:]}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2", len(calls))
	}
	if qr := list(calls[0].Body, "message", "quick_replies"); len(qr) != 0 {
		t.Error("quick replies on a part that is not the last")
	}
	qr := list(calls[1].Body, "message", "quick_replies")
	if len(qr) != len(labels) {
		t.Fatalf("%d quick replies, want %d", len(qr), len(labels))
	}
	for i, q := range qr {
		title, payload := str(q, "title"), str(q, "payload")
		if str(q, "content_type") != "text" || payload != fmt.Sprintf("choice:%d", i) {
			t.Errorf("quick reply %d: %v", i, q)
		}
		if n := len([]rune(title)); n > 20 {
			t.Errorf("title %q has %d characters", title, n)
		}
		kept, cut := strings.CutSuffix(title, "…")
		if !cut {
			if title != labels[i] {
				t.Errorf("title %q, want %q", title, labels[i])
			}
			continue
		}
		if !strings.HasPrefix(labels[i], kept) {
			t.Fatalf("title %q is not the start of %q", title, labels[i])
		}
		checkClusters(t, "title", kept)
		if rest := []rune(strings.TrimPrefix(labels[i], kept)); unicode.Is(unicode.Mn, rest[0]) {
			t.Errorf("title %q split a cluster of %q", title, labels[i])
		}
	}
}

func TestSendThirteenQuickReplies(t *testing.T) {
	var row []bot.Button
	for i := range 13 {
		row = append(row, bot.Button{Label: fmt.Sprint(i), Payload: fmt.Sprint("p", i)})
	}
	calls, err := sendReply(t, bot.Reply{Text: "ເລືອກ", Buttons: [][]bot.Button{row}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || len(list(calls[0].Body, "message", "quick_replies")) != 13 {
		t.Fatalf("calls %v, want one message with 13 quick replies", calls)
	}
}

// More than 13 choices do not fit quick replies: they go in button
// templates of three, in order, the first carrying the text.
func TestSendMoreThanThirteenButtons(t *testing.T) {
	var rows [][]bot.Button
	for i := range 14 {
		rows = append(rows, []bot.Button{{Label: fmt.Sprint("ແຂວງ ", i), Payload: fmt.Sprint("province:", i)}})
	}
	calls, err := sendReply(t, bot.Reply{Text: "ທ່ານຢູ່ແຂວງໃດ?", Buttons: rows})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 5 {
		t.Fatalf("%d requests, want 5 templates", len(calls))
	}
	next := 0
	for i, c := range calls {
		p := c.Body["message"].(map[string]any)["attachment"].(map[string]any)["payload"]
		if str(c.Body, "message", "attachment", "type") != "template" || str(p, "template_type") != "button" {
			t.Fatalf("request %d is not a button template: %v", i, c.Body)
		}
		wantText := "ທ່ານຢູ່ແຂວງໃດ?"
		if i > 0 {
			wantText = fmt.Sprintf("%d/5", i+1)
		}
		if got := str(p, "text"); got != wantText {
			t.Errorf("template %d text %q, want %q", i, got, wantText)
		}
		if len(list(c.Body, "message", "quick_replies")) != 0 {
			t.Errorf("template %d has quick replies", i)
		}
		for _, b := range list(p, "buttons") {
			if str(b, "type") != "postback" || str(b, "payload") != fmt.Sprint("province:", next) {
				t.Errorf("button %d: %v", next, b)
			}
			next++
		}
	}
	if next != 14 {
		t.Errorf("%d buttons sent, want 14", next)
	}
}

func TestSendTemplateForLinkButtons(t *testing.T) {
	long := laoText(1500)
	calls, err := sendReply(t, bot.Reply{Text: long, Buttons: [][]bot.Button{
		{{Label: "ອ່ານເພີ່ມເຕີມກ່ຽວກັບສິດແຮງງານ", URL: "https://example.org/rights"}},
		{{Label: "ລົມກັບເຈົ້າໜ້າທີ່", Payload: "case:new"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) < 2 {
		t.Fatalf("%d requests, want the text and a template", len(calls))
	}
	last := calls[len(calls)-1]
	p := last.Body["message"].(map[string]any)["attachment"].(map[string]any)["payload"]
	text := str(p, "text")
	if n := len([]rune(text)); n == 0 || n > 640 {
		t.Errorf("template text has %d characters", n)
	}
	var joined strings.Builder
	for _, c := range calls[:len(calls)-1] {
		joined.WriteString(str(c.Body, "message", "text"))
	}
	joined.WriteString(text)
	if noSpace(joined.String()) != noSpace(long) {
		t.Error("the text was not sent whole")
	}
	buttons := list(p, "buttons")
	if len(buttons) != 2 || str(buttons[0], "type") != "web_url" || str(buttons[0], "url") != "https://example.org/rights" ||
		str(buttons[1], "type") != "postback" || str(buttons[1], "payload") != "case:new" {
		t.Fatalf("buttons %v", buttons)
	}
	for _, b := range buttons {
		if n := len([]rune(str(b, "title"))); n > 20 {
			t.Errorf("button title has %d characters", n)
		}
	}
}

func TestSendMediaByReference(t *testing.T) {
	calls, err := sendReply(t, bot.Reply{Text: "ໃບປະກາດ", Media: []bot.Media{
		{Kind: bot.MediaPhoto, Ref: "https://example.org/flyer.jpg"},
		{Kind: bot.MediaDocument, Ref: "https://example.org/course.pdf"},
		{Kind: bot.MediaVoice, Ref: "1234567890"},
		{Kind: bot.MediaPhoto, Ref: "AgACAgIAAxkBAAIBY2"}, // a Telegram file id: not sendable here
	}, Buttons: [][]bot.Button{{{Label: "ລົງທະບຽນ", Payload: "enrol:1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 4 {
		t.Fatalf("%d requests, want 3 attachments and the text", len(calls))
	}
	for i, want := range []struct{ typ, url, id string }{
		{"image", "https://example.org/flyer.jpg", ""},
		{"file", "https://example.org/course.pdf", ""},
		{"audio", "", "1234567890"},
	} {
		b := calls[i].Body
		if str(b, "message", "attachment", "type") != want.typ ||
			str(b, "message", "attachment", "payload", "url") != want.url ||
			str(b, "message", "attachment", "payload", "attachment_id") != want.id {
			t.Errorf("attachment %d: %v", i, b)
		}
	}
	if str(calls[3].Body, "message", "text") != "ໃບປະກາດ" || len(list(calls[3].Body, "message", "quick_replies")) != 1 {
		t.Errorf("last request %v, want the text with the quick reply", calls[3].Body)
	}

	_, err = sendReply(t, bot.Reply{Media: []bot.Media{{Kind: bot.MediaPhoto, Ref: "AgACAgIAAxkBAAIBY2"}}})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Permanent {
		t.Errorf("a reply with nothing sendable: %v, want Permanent", err)
	}
	if calls, err := sendReply(t, bot.Reply{}); err != nil || len(calls) != 0 {
		t.Errorf("an empty reply: %v, %d requests", err, len(calls))
	}
}

func TestSendErrorClassification(t *testing.T) {
	graphErr := func(code, sub int) string {
		return fmt.Sprintf(`{"error":{"message":"(#%d) something","type":"OAuthException","code":%d,"error_subcode":%d,"fbtrace_id":"AbC"}}`, code, code, sub)
	}
	cases := []struct {
		name   string
		status int
		body   string
		kind   bot.SendErrorKind
		retry  time.Duration
	}{
		{"551 person unavailable", 400, graphErr(551, 1545041), bot.Unreachable, 0},
		{"subcode 1545041 alone", 400, graphErr(200, 1545041), bot.Unreachable, 0},
		{"4 app throttled", 400, graphErr(4, 0), bot.Throttled, ThrottleBackoff},
		{"17 user throttled", 400, graphErr(17, 0), bot.Throttled, ThrottleBackoff},
		{"32 page throttled", 400, graphErr(32, 0), bot.Throttled, ThrottleBackoff},
		{"613 rate limit", 400, graphErr(613, 0), bot.Throttled, ThrottleBackoff},
		{"http 429", 429, `{}`, bot.Throttled, ThrottleBackoff},
		{"10/2018065 outside window", 400, graphErr(10, 2018065), bot.Held, 0},
		{"10/2018278 outside window", 400, graphErr(10, 2018278), bot.Held, 0},
		{"10 other", 403, graphErr(10, 0), bot.Permanent, 0},
		{"100 invalid parameter", 400, graphErr(100, 2018001), bot.Permanent, 0},
		{"190 token expired", 400, graphErr(190, 463), bot.Transient, 0},
		{"is_transient", 400, `{"error":{"message":"try later","code":2,"is_transient":true}}`, bot.Transient, 0},
		{"500", 500, `{"error":{"message":"An unexpected error has occurred.","code":1}}`, bot.Transient, 0},
		{"502 html", 502, `<html>Bad Gateway</html>`, bot.Transient, 0},
		{"400 not json", 400, `nope`, bot.Permanent, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newFakeGraph(t)
			g.SetRespond(func(int, graphCall) (int, string) { return tc.status, tc.body })
			contacts := &memContacts{}
			contacts.RecordContact(ChannelName, psidA, baseTime())
			ch := newTestChannel(t, g, contacts, newClock(baseTime()), nil, nil)
			err := ch.Send(t.Context(), bot.Delivery{ChatID: psidA, Reply: bot.Reply{Text: "x"}, Attempt: 1})
			se := bot.ClassifySendError(err)
			if se.Kind != tc.kind || se.RetryAfter != tc.retry {
				t.Errorf("%v: kind %s retry %s, want %s %s", err, se.Kind, se.RetryAfter, tc.kind, tc.retry)
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("error holds the token: %v", err)
			}
		})
	}
}

func TestSendNeverLeaksTheToken(t *testing.T) {
	// A network failure: the *url.Error names the URL, token included.
	g := newFakeGraph(t)
	contacts := &memContacts{}
	contacts.RecordContact(ChannelName, psidA, baseTime())
	ch := newTestChannel(t, g, contacts, newClock(baseTime()), nil, nil)
	g.srv.Close()
	err := ch.Send(t.Context(), bot.Delivery{ChatID: psidA, Reply: bot.Reply{Text: "x"}, Attempt: 1})
	if se := bot.ClassifySendError(err); se.Kind != bot.Transient {
		t.Errorf("network failure classified %s", se.Kind)
	}
	if err == nil || strings.Contains(err.Error(), testToken) || strings.Contains(err.Error(), "EAAtest") {
		t.Errorf("error %v holds the token", err)
	}
	if err := ch.TypingOn(t.Context(), psidA); err == nil || strings.Contains(err.Error(), "EAAtest") {
		t.Errorf("typing error %v holds the token", err)
	}

	// An answer that quotes the token back.
	g2 := newFakeGraph(t)
	g2.SetRespond(func(int, graphCall) (int, string) {
		return 400, `{"error":{"message":"Invalid OAuth access token: ` + testToken + `","code":190}}`
	})
	ch2 := newTestChannel(t, g2, contacts, newClock(baseTime()), nil, nil)
	err = ch2.Send(t.Context(), bot.Delivery{ChatID: psidA, Reply: bot.Reply{Text: "x"}, Attempt: 1})
	if err == nil || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error %v, want the token redacted", err)
	}
}

// When a reply in several parts fails half-way, the retry sends only the
// parts Meta has not accepted yet.
func TestSendResumesAfterPartialFailure(t *testing.T) {
	g := newFakeGraph(t)
	g.SetRespond(func(n int, _ graphCall) (int, string) {
		if n == 1 {
			return 500, `{"error":{"message":"An unexpected error has occurred.","code":2,"is_transient":true}}`
		}
		return 200, `{"recipient_id":"1","message_id":"m"}`
	})
	contacts := &memContacts{}
	contacts.RecordContact(ChannelName, psidA, baseTime())
	ch := newTestChannel(t, g, contacts, newClock(baseTime()), nil, nil)
	d := bot.Delivery{Seq: 42, ChatID: psidA, Reply: bot.Reply{Text: laoText(4500)}, Attempt: 1}
	d.Progress = func(n int) { d.PartsSent = n } // as the sender does
	err := ch.Send(t.Context(), d)
	if se := bot.ClassifySendError(err); err == nil || se.Kind != bot.Transient {
		t.Fatalf("first attempt: %v, want Transient", err)
	}
	d.Attempt = 2
	if err := ch.Send(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	calls := g.Calls()
	var texts []string
	for _, c := range calls {
		texts = append(texts, str(c.Body, "message", "text"))
	}
	if len(texts) != 4 || texts[1] != texts[2] || texts[0] == texts[1] || texts[2] == texts[3] {
		t.Fatalf("sent %d requests; want part 1, part 2 (failed), part 2, part 3", len(texts))
	}
	// Another delivery (nothing accepted yet) sends every part.
	d.Attempt, d.PartsSent = 1, 0
	before := len(g.Calls())
	if err := ch.Send(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if n := len(g.Calls()) - before; n != 3 {
		t.Errorf("a new first attempt sent %d parts, want 3", n)
	}
}

func TestTypingOn(t *testing.T) {
	g := newFakeGraph(t)
	ch := newTestChannel(t, g, &memContacts{}, newClock(baseTime()), nil, nil)
	if err := ch.TypingOn(t.Context(), psidA); err != nil {
		t.Fatal(err)
	}
	calls := g.Calls()
	if len(calls) != 1 || str(calls[0].Body, "sender_action") != "typing_on" || str(calls[0].Body, "recipient", "id") != psidA ||
		calls[0].Path != "/v21.0/me/messages" || calls[0].Token != testToken {
		t.Fatalf("calls %+v", calls)
	}
	if _, ok := calls[0].Body["message"]; ok {
		t.Error("a sender action carries no message")
	}
}

func TestNewNamesMissingSettings(t *testing.T) {
	_, err := New(Config{Contacts: &memContacts{}})
	if err == nil {
		t.Fatal("New accepted an empty config")
	}
	for _, name := range []string{"MESSENGER_PAGE_TOKEN", "MESSENGER_APP_SECRET", "MESSENGER_VERIFY_TOKEN"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	_, err = New(Config{PageToken: "t", AppSecret: "s", VerifyToken: "v", Contacts: &memContacts{}, APIURL: "graph.facebook.com"})
	if err == nil || !strings.Contains(err.Error(), "MESSENGER_API_URL") {
		t.Errorf("bad API URL: %v", err)
	}
	_, err = New(Config{PageToken: "t", AppSecret: "s", VerifyToken: "v"})
	if err == nil {
		t.Error("New accepted a config without a contact store")
	}
	ch, err := New(Config{PageToken: "t", AppSecret: "s", VerifyToken: "v", Contacts: &memContacts{}})
	if err != nil || ch.Name() != "messenger" || ch.apiURL != DefaultAPIURL {
		t.Errorf("defaults: %v %v", ch, err)
	}
	var _ bot.Channel = ch
	if l := DefaultLimits(); l.PerSecond <= 0 || l.PerChatPerSecond <= 0 || l.PerChatBurst < 1 {
		t.Errorf("DefaultLimits %+v", l)
	}
}
