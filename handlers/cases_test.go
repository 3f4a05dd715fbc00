package handlers

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"phuan/bot"
	"phuan/handlers/crisis"
	"phuan/knowledge"
	"phuan/store"
)

// fakeDetector flags any message containing one of its words.
type fakeDetector struct {
	words   []string
	country string
}

func (f fakeDetector) Detect(text string) crisis.Detection {
	for _, w := range f.words {
		if strings.Contains(strings.ToLower(text), w) {
			return crisis.Detection{Crisis: true, Urgent: true, Country: f.country}
		}
	}
	return crisis.Detection{}
}

// fakeTopics plays Telegram's createForumTopic.
type fakeTopics struct {
	mu    sync.Mutex
	names []string
	fail  bool
}

func (f *fakeTopics) CreateTopic(ctx context.Context, chatID, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		return "", errors.New("no deadline")
	}
	if f.fail {
		return "", errors.New("Bad Request: the chat is not a forum")
	}
	f.names = append(f.names, name)
	return strconv.Itoa(76 + len(f.names)), nil
}

var caseRoom = Room{Channel: "console", ChatID: "moderators"}

type caseHarness struct {
	t      *testing.T
	d      *Dialogue
	st     *store.Store
	clock  *fixedClock
	cases  *Cases
	topics *fakeTopics
	logs   *bytes.Buffer
	n      int
	last   []bot.Envelope
}

type caseOpt func(*CasesConfig)

func noTopics(c *CasesConfig) { c.Topics = nil }

func newCaseHarness(t *testing.T, opts ...caseOpt) *caseHarness {
	t.Helper()
	st, err := store.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	kb, err := knowledge.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	topics := &fakeTopics{}
	cfg := CasesConfig{Store: st, Catalog: cat, Moderators: NewModerators(caseRoom, []string{"boss"}),
		Topics: topics, Contacts: kb, RoomLang: "en", Location: time.UTC, Logger: logger}
	for _, o := range opts {
		o(&cfg)
	}
	cases := NewCases(cfg)
	crisisFeature := NewCrisisResponse(fakeDetector{words: []string{"beat me", "locked in", "ຕີຂ້ອຍ", "ทำร้าย", "korea help"}, country: ""}, cases, logger)
	clock := &fixedClock{time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)}
	d := New(Config{Store: st, Catalog: cat, Clock: clock, Logger: logger, Features: []Feature{crisisFeature, cases}})
	return &caseHarness{t: t, d: d, st: st, clock: clock, cases: cases, topics: topics, logs: logs}
}

func (h *caseHarness) advance(d time.Duration) { h.clock.t = h.clock.t.Add(d) }

func (h *caseHarness) send(m bot.Message) []bot.Envelope {
	h.t.Helper()
	h.n++
	m.ID = strconv.Itoa(h.n)
	m.Time = h.clock.t
	out, err := h.d.Handle(context.Background(), m)
	if err != nil {
		h.t.Fatal(err)
	}
	h.last = out
	return out
}

func personMsg(text string) bot.Message {
	return bot.Message{Channel: "console", ChatID: "u1", UserID: "u1", UserName: "Noy Secretname", ChatType: bot.ChatPrivate, Text: text}
}

// say is the person typing; "#N" presses button N of the bot's last reply to them.
func (h *caseHarness) say(text string) []bot.Envelope {
	h.t.Helper()
	m := personMsg(text)
	if n, ok := strings.CutPrefix(text, "#"); ok {
		m.Text, m.Payload = "", h.buttonIn(h.forChat("u1"), n)
	}
	return h.send(m)
}

func (h *caseHarness) press(payload string) []bot.Envelope {
	m := personMsg("")
	m.Payload = payload
	return h.send(m)
}

func modMsg(thread, text string) bot.Message {
	return bot.Message{Channel: "console", ChatID: "moderators", ChatType: bot.ChatGroup, UserID: "moderator",
		UserName: "Ana", ThreadID: thread, Text: text}
}

// mod is a moderator writing in the room, in a topic when thread is set.
func (h *caseHarness) mod(thread, text string) []bot.Envelope {
	h.t.Helper()
	return h.send(modMsg(thread, text))
}

func (h *caseHarness) buttonIn(es []bot.Envelope, n string) string {
	h.t.Helper()
	i, _ := strconv.Atoi(n)
	if len(es) == 0 {
		h.t.Fatalf("no reply to press button %s in", n)
	}
	var flat []bot.Button
	for _, row := range es[len(es)-1].Reply.Buttons {
		flat = append(flat, row...)
	}
	if i < 1 || i > len(flat) {
		h.t.Fatalf("no button %d in %+v", i, es[len(es)-1].Reply)
	}
	return flat[i-1].Payload
}

func (h *caseHarness) forChat(chat string) []bot.Envelope {
	var out []bot.Envelope
	for _, e := range h.last {
		if e.ChatID == chat {
			out = append(out, e)
		}
	}
	return out
}

func (h *caseHarness) room() []bot.Envelope { return h.forChat("moderators") }
func (h *caseHarness) toPerson() []bot.Envelope {
	return h.forChat("u1")
}

func texts(es []bot.Envelope) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.Reply.Text)
	}
	return strings.Join(parts, "\n---\n")
}

func (h *caseHarness) T(lang, key string, kv ...string) string { return h.d.cat.T(lang, key, kv...) }

func (h *caseHarness) caseNow(id string) *store.Case {
	h.t.Helper()
	c, err := h.st.Case(id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *caseHarness) consent(lang, country string) {
	h.t.Helper()
	p := &store.Person{Lang: lang, Profile: store.Profile{Country: country}, ConsentAt: h.clock.t, CreatedAt: h.clock.t, LastSeenAt: h.clock.t}
	if err := h.st.CreatePerson(p, store.Identity{Channel: "console", PlatformID: "u1"}); err != nil {
		h.t.Fatal(err)
	}
}

// intake walks the intake with buttons: category, country, danger, then
// the person's words and whether to share the name.
func (h *caseHarness) intake(category, country, danger, words, share string) string {
	h.t.Helper()
	h.press(PayloadNewCase)
	h.press(StepPayload(flowCase, stepWhat, category))
	h.press(StepPayload(flowCase, stepWhere, country))
	h.press(StepPayload(flowCase, stepDanger, danger))
	if words == "" {
		h.press(StepPayload(flowCase, stepWords, "skip"))
	} else {
		h.say(words)
	}
	h.press(StepPayload(flowCase, stepShare, share))
	c, err := h.st.LatestCase("console", "u1")
	if err != nil {
		h.t.Fatalf("no case after the intake: %v", err)
	}
	return c.ID
}

func TestCrisisAnswersWithEmergencyContactsFirst(t *testing.T) {
	type want struct{ has, hasNot []string }
	byCountry := map[string]want{
		"TH": {has: []string{"191", "1300"}, hasNot: []string{"1191", "112 "}},
		"KR": {has: []string{"112", "119"}, hasNot: []string{"191 ", "1300"}},
		"LA": {has: []string{"1191", "1362"}, hasNot: []string{"1300"}},
		"":   {has: []string{"1191", "191", "1300"}, hasNot: []string{"📞 112"}}, // no profile: Laos and Thailand
	}
	for _, lang := range Languages {
		for _, country := range []string{"TH", "KR", "LA", ""} {
			t.Run(lang+"/"+country, func(t *testing.T) {
				h := newCaseHarness(t)
				h.consent(lang, country)
				out := h.say("My boss will beat me again tonight")
				if len(out) < 2 {
					t.Fatalf("replies %+v", out)
				}
				first := out[0].Reply.Text
				title := h.T(lang, "crisis_title")
				if !strings.HasPrefix(first, title+"\n") {
					t.Fatalf("first line is not the neutral title %q:\n%s", title, first)
				}
				for _, s := range byCountry[country].has {
					if !strings.Contains(first, s) {
						t.Errorf("contacts lack %q:\n%s", s, first)
					}
				}
				for _, s := range byCountry[country].hasNot {
					if strings.Contains(first, s) {
						t.Errorf("contacts for %q show %q:\n%s", country, s, first)
					}
				}
				if lang != "en" && strings.Contains(first, "Police (Thailand)") {
					t.Errorf("contact names not in %s:\n%s", lang, first)
				}
				offer := out[len(out)-1]
				if offer.Reply.Text != h.T(lang, "crisis_offer") || len(offer.Reply.Buttons) != 2 ||
					offer.Reply.Buttons[0][0].Payload != StepPayload(flowCase, stepCrisis, "now") ||
					offer.Reply.Buttons[1][0].Payload != "menu" {
					t.Errorf("offer %+v", offer.Reply)
				}
				if cs, _ := h.st.Cases(store.CaseFilter{}); len(cs) != 0 {
					t.Errorf("a case opened before the person asked: %+v", cs)
				}
			})
		}
	}
}

func TestCrisisCountryFromTheMessageWithoutProfile(t *testing.T) {
	h := newCaseHarness(t)
	h.d.features[0] = NewCrisisResponse(fakeDetector{words: []string{"locked in"}, country: "KR"}, h.cases, nil)
	out := h.say("they locked in me in the factory in korea")
	if first := out[0].Reply.Text; !strings.Contains(first, "112") || strings.Contains(first, "1191") {
		t.Fatalf("contacts for the country in the message:\n%s", first)
	}
}

func TestCrisisIgnoresCommandsButtonsAndTheRoom(t *testing.T) {
	h := newCaseHarness(t)
	h.say("/frobnicate beat me")
	if strings.Contains(texts(h.last), "191") {
		t.Error("a command was read as a crisis message")
	}
	h.mod("", "the person said he will beat me, what do we do")
	if len(h.last) != 0 {
		t.Errorf("the room got an answer: %s", texts(h.last))
	}
	out := h.send(bot.Message{Channel: "console", ChatID: "-100", ChatType: bot.ChatGroup, UserID: "u7", Text: "/ask my boss will beat me"})
	if len(out) != 2 || !strings.Contains(out[0].Reply.Text, "1191") || len(out[1].Reply.Buttons) != 0 {
		t.Fatalf("crisis /ask in a peer group: %+v", out)
	}
	if cs, _ := h.st.Cases(store.CaseFilter{}); len(cs) != 0 {
		t.Fatal("a case was opened for a group")
	}
}

func TestCrisisTalkNowOpensUrgentCaseAtOnce(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("lo", "TH")
	h.say("ເຂົາຕີຂ້ອຍທຸກມື້")
	h.say("#1") // talk to a helper now
	c, err := h.st.OpenCaseOf("console", "u1")
	if err != nil {
		t.Fatalf("no urgent case: %v", err)
	}
	if !c.Urgent || c.Country != "TH" || len(c.Transcript) != 1 || c.Transcript[0].Text != "ເຂົາຕີຂ້ອຍທຸກມື້" || c.PersonID == "" {
		t.Fatalf("case %+v", c)
	}
	if len(h.topics.names) != 1 || h.topics.names[0] != c.ID+" · TH · urgent" || c.ThreadID != "77" {
		t.Fatalf("topic %v thread %q", h.topics.names, c.ThreadID)
	}
	room := h.room()
	if len(room) < 3 || room[0].ThreadID != "77" || !strings.HasPrefix(room[0].Reply.Text, c.ID+" · 🆘 URGENT") {
		t.Fatalf("card: %+v", room)
	}
	if room[1].ThreadID != "" || !strings.Contains(room[1].Reply.Text, "new urgent case") {
		t.Errorf("no announcement in the room's main chat: %+v", room[1])
	}
	if room[2].ThreadID != "77" || !strings.Contains(room[2].Reply.Text, "ເຂົາຕີຂ້ອຍທຸກມື້") {
		t.Errorf("first message not in the topic: %+v", room[2])
	}
	person := texts(h.toPerson())
	if !strings.Contains(person, h.T("lo", "case_opened_urgent", "id", c.ID)) || !strings.Contains(person, h.T("lo", "case_ask_what")) {
		t.Fatalf("person saw %s", person)
	}
	// The intake follows, every step skippable, and updates the open case.
	h.press(StepPayload(flowCase, stepWhat, "violence"))
	h.press(StepPayload(flowCase, stepWhere, "skip"))
	h.press(StepPayload(flowCase, stepShare, "no"))
	if got := h.caseNow(c.ID); got.Category != "violence" || got.ShareName {
		t.Fatalf("after the intake %+v", got)
	}
	if !strings.Contains(texts(h.toPerson()), c.ID) || !strings.Contains(texts(h.room()), "Violence or abuse") {
		t.Fatalf("end of intake: person %s / room %s", texts(h.toPerson()), texts(h.room()))
	}
}

func TestIntakeOpensCaseWithTopicAndCard(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("en", "")
	h.say("/menu")
	if h.buttonIn(h.last, "1") != PayloadNewCase {
		t.Fatalf("no menu entry: %+v", h.last)
	}
	h.say("I want to talk to a human please")
	if !strings.Contains(texts(h.last), h.T("en", "case_intro")) || !strings.Contains(texts(h.last), "What happened?") {
		t.Fatalf("intake start: %s", texts(h.last))
	}
	if n := len(h.last[len(h.last)-1].Reply.Buttons); n != len(CaseCategories)+1 {
		t.Fatalf("%d category buttons", n)
	}
	h.say("#1") // unpaid wages
	h.say("#2") // Thailand
	h.say("#2") // not in danger: the case opens
	c, err := h.st.OpenCaseOf("console", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "C-0001" || c.Category != "unpaid_wages" || c.Country != "TH" || c.Urgent || c.InDanger {
		t.Fatalf("case %+v", c)
	}
	if len(h.topics.names) != 1 || h.topics.names[0] != "C-0001 · Unpaid wages · TH" {
		t.Fatalf("topic names %v", h.topics.names)
	}
	card := h.room()
	if len(card) != 1 || card[0].ThreadID != "77" || !card[0].Group || card[0].ChatID != "moderators" {
		t.Fatalf("card envelope %+v", card)
	}
	cardText := card[0].Reply.Text
	alias := "Friend-" + c.Alias
	for _, s := range []string{"C-0001 · " + alias, "Unpaid wages", "Thailand", "not shared"} {
		if !strings.Contains(cardText, s) {
			t.Errorf("card lacks %q:\n%s", s, cardText)
		}
	}
	if strings.Contains(cardText, "Noy") || strings.Contains(cardText, "u1") {
		t.Errorf("card shows who the person is:\n%s", cardText)
	}
	var payloads []string
	for _, b := range card[0].Reply.Buttons[0] {
		payloads = append(payloads, b.Payload)
	}
	if strings.Join(payloads, " ") != "mod:claim:C-0001 mod:urgent:C-0001 mod:close:C-0001" {
		t.Errorf("card buttons %v", payloads)
	}
	if !strings.Contains(texts(h.toPerson()), h.T("en", "case_ask_words")) {
		t.Fatalf("no request for their words: %s", texts(h.toPerson()))
	}
	// Their own words, with a photo, go to the topic.
	m := personMsg("He has not paid me for three months")
	m.Media = []bot.Media{{Kind: bot.MediaPhoto, Ref: "photo-1"}}
	h.send(m)
	room := h.room()
	if len(room) != 1 || room[0].ThreadID != "77" || room[0].Reply.Text != c.ID+" · "+alias+": He has not paid me for three months" ||
		len(room[0].Reply.Media) != 1 || room[0].Reply.Media[0].Ref != "photo-1" {
		t.Fatalf("relayed words %+v", room)
	}
	if !strings.Contains(texts(h.toPerson()), h.T("en", "case_ask_share")) {
		t.Fatalf("no share question: %s", texts(h.toPerson()))
	}
	h.say("#1") // keep my name hidden
	done := texts(h.toPerson())
	for _, s := range []string{"C-0001", h.T("en", "case_expect_normal"), h.T("en", "case_safety")} {
		if !strings.Contains(done, s) {
			t.Errorf("closing message lacks %q:\n%s", s, done)
		}
	}
	if got := h.caseNow("C-0001"); got.ShareName || got.SharedName != "" || len(got.Transcript) != 1 {
		t.Fatalf("after the intake %+v", got)
	}
	if conv, _ := h.st.Conversation("console", "u1", h.clock.t); conv.Flow != "" {
		t.Fatalf("still in flow %q", conv.Flow)
	}
}

func TestWaysIn(t *testing.T) {
	for _, text := range []string{"ຢາກລົມກັບຄົນ", "ຢາກລົມກັບເຈົ້າໜ້າທີ່", "อยากคุยกับเจ้าหน้าที่", "Talk to a human", "yak lom kap khon", "human"} {
		if !wantsPerson(text) {
			t.Errorf("%q is not a way in", text)
		}
	}
	for _, text := range []string{"human rights at work", "what is a work permit", "ເງິນເດືອນຂັ້ນຕ່ຳ", ""} {
		if wantsPerson(text) {
			t.Errorf("%q was taken as asking for a person", text)
		}
	}
	h := newCaseHarness(t)
	h.say("อยากคุยกับเจ้าหน้าที่")
	if !strings.Contains(texts(h.last), h.T("th", "case_ask_what")) {
		t.Fatalf("Thai way in: %s", texts(h.last))
	}
	h2 := newCaseHarness(t)
	h2.press(PayloadNewCase)
	if !strings.Contains(texts(h2.last), h2.T("lo", "case_intro_declined")) {
		t.Fatalf("someone without consent is not told what is kept: %s", texts(h2.last))
	}
	out := h2.send(bot.Message{Channel: "console", ChatID: "-5", ChatType: bot.ChatGroup, UserID: "u1", Payload: PayloadNewCase})
	if len(out) != 1 || out[0].Reply.Text != h2.T("lo", "case_group_private") {
		t.Fatalf("case:new in a group: %+v", out)
	}
}

func TestWritingInsteadOfButtonsOpensTheCase(t *testing.T) {
	h := newCaseHarness(t)
	h.press(PayloadNewCase)
	h.say("ນາຍຈ້າງບໍ່ຈ່າຍເງິນ")
	c, err := h.st.OpenCaseOf("console", "u1")
	if err != nil {
		t.Fatal(err)
	}
	if c.PersonID != "" || len(c.Transcript) != 1 || c.Transcript[0].Text != "ນາຍຈ້າງບໍ່ຈ່າຍເງິນ" {
		t.Fatalf("case %+v", c)
	}
	if !strings.Contains(texts(h.toPerson()), h.T("lo", "case_ask_share")) {
		t.Fatalf("person: %s", texts(h.toPerson()))
	}
	h.press(StepPayload(flowCase, stepShare, "yes"))
	got := h.caseNow(c.ID)
	if !got.ShareName || got.SharedName != "Noy Secretname" || got.Timeline[len(got.Timeline)-1].Action != "name_shared" {
		t.Fatalf("share: %+v", got)
	}
	if !strings.Contains(texts(h.room()), "Noy Secretname") {
		t.Fatalf("room not told the name the person shared: %s", texts(h.room()))
	}
}

func TestPlainCardWhenTopicsFail(t *testing.T) {
	for name, opt := range map[string]caseOpt{
		"no topics":     noTopics,
		"topics failed": func(c *CasesConfig) { c.Topics = &fakeTopics{fail: true} },
	} {
		t.Run(name, func(t *testing.T) {
			h := newCaseHarness(t, opt)
			id := h.intake("other", "LA", "no", "", "no")
			c := h.caseNow(id)
			if c.ThreadID != "" {
				t.Fatalf("thread %q", c.ThreadID)
			}
			// The person writes: the room sees it prefixed with the case.
			h.say("hello?")
			room := h.room()
			if len(room) != 1 || room[0].ThreadID != "" || !strings.HasPrefix(room[0].Reply.Text, id+" · Friend-") {
				t.Fatalf("relay without a topic: %+v", room)
			}
			// A reply to that message (or to the card) answers the person.
			m := modMsg("", "We are here. Where are you?")
			m.ReplyToText = room[0].Reply.Text
			h.send(m)
			to := h.toPerson()
			if len(to) != 2 || !strings.Contains(to[1].Reply.Text, "We are here. Where are you?") || to[1].Purpose != bot.PurposeModerator {
				t.Fatalf("reply to the card: %+v", h.last)
			}
			if !strings.Contains(texts(h.room()), h.T("en", "case_room_sent", "id", id)) {
				t.Errorf("no confirmation in the room: %s", texts(h.room()))
			}
		})
	}
}

func TestRelayBothWaysWithMedia(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("th", "TH")
	id := h.intake("unpaid_wages", "TH", "no", "", "no")
	thread := h.caseNow(id).ThreadID

	// A moderator answers in the topic, with a voice message.
	m := modMsg(thread, "สวัสดีค่ะ เราช่วยได้")
	m.Media = []bot.Media{{Kind: bot.MediaVoice, Ref: "voice-9"}}
	h.send(m)
	to := h.toPerson()
	if len(to) != 2 {
		t.Fatalf("to the person: %+v (all %+v)", to, h.last)
	}
	if to[0].Reply.Text != h.T("th", "case_helper_joined", "id", id) {
		t.Errorf("not told a helper joined: %q", to[0].Reply.Text)
	}
	msg := to[1]
	if msg.Purpose != bot.PurposeModerator || msg.Group || msg.PersonID == "" ||
		!strings.HasPrefix(msg.Reply.Text, h.T("th", "case_helper_says")) || !strings.Contains(msg.Reply.Text, "เราช่วยได้") ||
		len(msg.Reply.Media) != 1 || msg.Reply.Media[0].Ref != "voice-9" {
		t.Fatalf("relayed %+v", msg)
	}
	for _, e := range h.last {
		if strings.Contains(e.Reply.Text, "Ana") && e.ChatID == "u1" {
			t.Fatalf("the moderator's name reached the person: %q", e.Reply.Text)
		}
	}
	if len(h.room()) != 0 {
		t.Errorf("an answer in the topic was echoed: %s", texts(h.room()))
	}
	c := h.caseNow(id)
	if c.ClaimedByName != "Ana" || c.FirstAnswerAt.IsZero() || c.Transcript[len(c.Transcript)-1].Action != store.FromHelper {
		t.Fatalf("case after answering %+v", c)
	}
	// The person sends a photo and text: to the topic; acknowledged once.
	h.advance(time.Minute)
	pm := personMsg("")
	pm.Media = []bot.Media{{Kind: bot.MediaPhoto, Ref: "photo-2"}}
	h.send(pm)
	if r := h.room(); len(r) != 1 || r[0].ThreadID != thread || len(r[0].Reply.Media) != 1 || r[0].Reply.Media[0].Ref != "photo-2" {
		t.Fatalf("photo to the room %+v", r)
	}
	if got := texts(h.toPerson()); got != h.T("th", "case_sent", "id", id) {
		t.Fatalf("first acknowledgement %q", got)
	}
	h.say("ขอบคุณ")
	if len(h.toPerson()) != 0 {
		t.Fatalf("acknowledged again: %s", texts(h.toPerson()))
	}
	if r := h.room(); len(r) != 1 || !strings.HasSuffix(r[0].Reply.Text, ": ขอบคุณ") {
		t.Fatalf("text to the room %+v", r)
	}
	// /reply from a listed moderator's private chat works too.
	out := h.send(bot.Message{Channel: "console", ChatID: "boss", UserID: "boss", UserName: "Boss", ChatType: bot.ChatPrivate,
		Text: "/reply " + id + " พรุ่งนี้เราโทรหา"})
	if to := h.toPerson(); len(to) != 1 || !strings.Contains(to[0].Reply.Text, "พรุ่งนี้เราโทรหา") {
		t.Fatalf("/reply: %+v", out)
	}
	if r := h.room(); len(r) != 1 || r[0].ThreadID != thread || !strings.Contains(r[0].Reply.Text, "Boss") {
		t.Fatalf("/reply not copied to the topic: %+v", r)
	}
}

func TestInternalNotesAreNotRelayed(t *testing.T) {
	h := newCaseHarness(t)
	id := h.intake("health", "KR", "no", "", "no")
	thread := h.caseNow(id).ThreadID
	for _, m := range []bot.Message{
		modMsg(thread, "// she sounds scared, call the partner NGO"),
		modMsg(thread, "/note ask about the passport next"),
		modMsg("", "/note "+id+" third note from the main chat"),
	} {
		h.send(m)
		if len(h.toPerson()) != 0 {
			t.Fatalf("a note reached the person: %s", texts(h.toPerson()))
		}
		if !strings.Contains(texts(h.last), h.T("en", "case_room_note_saved", "id", id)) {
			t.Fatalf("note not confirmed: %s", texts(h.last))
		}
	}
	c := h.caseNow(id)
	var notes []string
	for _, e := range c.Timeline {
		if e.Action == "note" {
			notes = append(notes, e.Text)
			if e.Actor != "Ana" {
				t.Errorf("note by %q", e.Actor)
			}
		}
	}
	if len(notes) != 3 || notes[0] != "she sounds scared, call the partner NGO" || notes[1] != "ask about the passport next" {
		t.Fatalf("notes %q", notes)
	}
	for _, e := range c.Transcript {
		if e.Action == store.FromHelper {
			t.Fatalf("a note in the transcript: %+v", e)
		}
	}
	// A note outside any case is not lost silently.
	h.mod("", "// remember to call back")
	if len(h.toPerson()) != 0 || !strings.Contains(texts(h.last), "Which case?") {
		t.Fatalf("note without a case: %+v", h.last)
	}
	// Moderators talking in the main chat reach nobody and get no answer.
	h.mod("", "who is on duty tonight?")
	if len(h.last) != 0 {
		t.Fatalf("chatter answered: %+v", h.last)
	}
	// While the room is in another feature's flow, its text is left to that feature.
	conv, _ := h.st.Conversation("console", "moderators", h.clock.t)
	conv.Flow, conv.Step, conv.Expires = "broadcast", "text", h.clock.t.Add(time.Hour)
	if err := h.st.SaveConversation(conv); err != nil {
		t.Fatal(err)
	}
	h.mod("", "Training in Vientiane on Monday")
	if !strings.Contains(texts(h.last), h.T("lo", "group_intro")) && !strings.Contains(texts(h.last), h.T("en", "group_intro")) {
		t.Fatalf("room text in another flow was taken: %+v", h.last)
	}
	h.mod(thread, "still relayed from the topic")
	if to := h.toPerson(); len(to) != 2 || !strings.Contains(to[1].Reply.Text, "still relayed from the topic") {
		t.Fatalf("a topic message during a broadcast flow was not relayed: %+v", h.last)
	}
}

func TestNonModeratorsAreRefused(t *testing.T) {
	h := newCaseHarness(t)
	id := h.intake("other", "TH", "no", "", "no")
	before := h.caseNow(id)
	h.logs.Reset()
	for _, text := range []string{"/cases", "/case " + id, "/claim " + id, "/close " + id + " resolved",
		"/reply " + id + " SECRET-MARKER hello", "/note " + id + " SECRET-MARKER", "/stats", "/reopen " + id} {
		out := h.send(bot.Message{Channel: "console", ChatID: "u2", UserID: "u2", ChatType: bot.ChatPrivate, Text: text})
		if len(out) != 1 || out[0].ChatID != "u2" || out[0].Reply.Text != h.T("lo", "case_mod_refused") {
			t.Fatalf("%q: %+v", text, out)
		}
	}
	// A forged button naming the case, from the person and from a stranger.
	for _, m := range []bot.Message{
		{Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "mod:claim:" + id},
		{Channel: "console", ChatID: "u2", UserID: "u2", ChatType: bot.ChatPrivate, Payload: "mod:close:" + id + ":resolved"},
		{Channel: "console", ChatID: "-9", UserID: "u2", ChatType: bot.ChatGroup, Payload: "mod:urgent:" + id},
		// A listed moderator, but in a public group: nothing about cases there.
		{Channel: "console", ChatID: "-9", UserID: "boss", ChatType: bot.ChatGroup, Text: "/cases"},
	} {
		out := h.send(m)
		if len(out) != 1 || out[0].ChatID != m.ChatID || !strings.Contains(out[0].Reply.Text, h.T("lo", "case_mod_refused")) {
			t.Fatalf("forged %+v: %+v", m, out)
		}
	}
	after := h.caseNow(id)
	if after.ClaimedBy != "" || after.Status != store.CaseOpen || after.Urgent || len(after.Timeline) != len(before.Timeline) ||
		len(after.Transcript) != len(before.Transcript) {
		t.Fatalf("a refused action changed the case: %+v", after)
	}
	logs := h.logs.String()
	if strings.Count(logs, "moderator action refused") != 12 {
		t.Errorf("refusals not logged:\n%s", logs)
	}
	if strings.Contains(logs, "SECRET-MARKER") || strings.Contains(logs, "u2") {
		t.Errorf("the log holds text or ids:\n%s", logs)
	}
}

func TestClaimUrgentCloseButtonsAndPersonUpdates(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("lo", "TH")
	id := h.intake("documents_taken", "TH", "no", "", "no")
	room := func(payload string) []bot.Envelope {
		return h.send(bot.Message{Channel: "console", ChatID: "moderators", ChatType: bot.ChatGroup, UserID: "m2", UserName: "Bee", Payload: payload})
	}
	room("mod:claim:" + id)
	if to := h.toPerson(); len(to) != 1 || to[0].Reply.Text != h.T("lo", "case_helper_joined", "id", id) || to[0].Purpose != bot.PurposeModerator {
		t.Fatalf("claim: %+v", h.last)
	}
	if !strings.Contains(texts(h.room()), "claimed by Bee") {
		t.Fatalf("claim not confirmed: %s", texts(h.room()))
	}
	room("mod:urgent:" + id)
	if c := h.caseNow(id); !c.Urgent || c.UrgentAt.IsZero() {
		t.Fatalf("not urgent: %+v", c)
	}
	room("mod:close:" + id)
	if n := len(h.last[0].Reply.Buttons); n != len(CaseOutcomes) {
		t.Fatalf("outcome choice: %+v", h.last)
	}
	room(h.buttonIn(h.last, "1"))
	c := h.caseNow(id)
	if c.Status != store.CaseClosed || c.Outcome != "resolved" {
		t.Fatalf("close: %+v", c)
	}
	if to := h.toPerson(); len(to) != 1 || to[0].Reply.Text != h.T("lo", "case_closed_by_helper", "id", id) {
		t.Fatalf("person not told of the close: %+v", h.last)
	}
	var actions []string
	for _, e := range c.Timeline {
		actions = append(actions, e.Actor+":"+e.Action)
	}
	if got := strings.Join(actions, " "); got != "person:opened Bee:claimed Bee:urgent Bee:closed" {
		t.Fatalf("timeline %s", got)
	}
	// A closed case takes no answer until reopened.
	h.mod(c.ThreadID, "hello?")
	if len(h.toPerson()) != 0 || !strings.Contains(texts(h.room()), "/reopen") {
		t.Fatalf("answer to a closed case: %+v", h.last)
	}
	h.mod("", "/reopen "+id)
	if c := h.caseNow(id); c.Status != store.CaseOpen {
		t.Fatalf("reopen: %+v", c)
	}
	if to := h.toPerson(); len(to) != 1 || to[0].Reply.Text != h.T("lo", "case_reopened", "id", id) {
		t.Fatalf("person not told of the reopening: %+v", h.last)
	}
	h.mod("", "/close "+id+" nonsense")
	if !strings.Contains(texts(h.last), "resolved, referred") {
		t.Fatalf("bad outcome: %s", texts(h.last))
	}
	h.mod("", "/close "+id+" referred sent to the embassy")
	if c := h.caseNow(id); c.Outcome != "referred" || c.Timeline[len(c.Timeline)-1].Text != "sent to the embassy" {
		t.Fatalf("close with a note: %+v", c)
	}
}

func TestSLAReannouncesUnclaimedUrgentCase(t *testing.T) {
	h := newCaseHarness(t)
	t0 := h.clock.t
	h.say("they beat me")
	h.say("#1")
	c, err := h.st.OpenCaseOf("console", "u1")
	if err != nil {
		t.Fatal(err)
	}
	check := func(after time.Duration) []bot.Envelope {
		t.Helper()
		out, err := h.cases.CheckSLA(context.Background(), t0.Add(after))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := check(9*time.Minute + 59*time.Second); len(out) != 0 {
		t.Fatalf("alert before 10 minutes: %+v", out)
	}
	out := check(10 * time.Minute)
	if len(out) != 1 || out[0].ChatID != "moderators" || out[0].ThreadID != "" ||
		out[0].Reply.Text != h.T("en", "case_room_alert_urgent", "id", c.ID, "alias", "Friend-"+c.Alias, "minutes", "10") ||
		out[0].Reply.Buttons[0][0].Payload != "mod:claim:"+c.ID {
		t.Fatalf("alert at 10 minutes: %+v", out)
	}
	if out := check(10 * time.Minute); len(out) != 0 {
		t.Fatalf("announced twice in the same minute: %+v", out)
	}
	if out := check(11 * time.Minute); len(out) != 0 {
		t.Fatalf("announced again at 11 minutes: %+v", out)
	}
	if out := check(10*time.Minute + UrgentRepeat); len(out) != 1 {
		t.Fatalf("not announced again an hour later: %+v", out)
	}
	if got := h.caseNow(c.ID); got.AnnouncedAt != t0.Add(10*time.Minute+UrgentRepeat) || got.Timeline[len(got.Timeline)-1].Action != "alerted" {
		t.Fatalf("announcement not recorded: %+v", got)
	}
	h.mod("", "/claim "+c.ID)
	if out := check(5 * time.Hour); len(out) != 0 {
		t.Fatalf("a claimed case announced: %+v", out)
	}
}

func TestSLARemindsAfterADayWithoutAnswer(t *testing.T) {
	h := newCaseHarness(t)
	t0 := h.clock.t
	id := h.intake("job_offer", "MY", "no", "", "no")
	check := func(after time.Duration) []bot.Envelope {
		t.Helper()
		out, err := h.cases.CheckSLA(context.Background(), t0.Add(after))
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := check(23 * time.Hour); len(out) != 0 {
		t.Fatalf("reminder before a day: %+v", out)
	}
	out := check(24 * time.Hour)
	if len(out) != 2 || out[0].ThreadID != "" || out[1].ThreadID != h.caseNow(id).ThreadID ||
		!strings.Contains(out[0].Reply.Text, "has waited 1 d 0 h") {
		t.Fatalf("reminder: %+v", out)
	}
	if out := check(25 * time.Hour); len(out) != 0 {
		t.Fatalf("reminded again: %+v", out)
	}
	// A helper answers: nothing is due; the person writes again: due a day later.
	h.clock.t = t0.Add(26 * time.Hour)
	h.mod(h.caseNow(id).ThreadID, "Hello, we read your case")
	if out := check(60 * time.Hour); len(out) != 0 {
		t.Fatalf("reminder after an answer: %+v", out)
	}
	h.clock.t = t0.Add(61 * time.Hour)
	h.say("are you there?")
	if out := check(61*time.Hour + AnswerDeadline - time.Minute); len(out) != 0 {
		t.Fatalf("early reminder: %+v", out)
	}
	if out := check(61*time.Hour + AnswerDeadline); len(out) != 2 {
		t.Fatalf("no second reminder: %+v", out)
	}
}

func TestClosedCaseReopensWithinSevenDays(t *testing.T) {
	h := newCaseHarness(t)
	id := h.intake("unpaid_wages", "TH", "no", "", "no")
	h.mod("", "/close "+id+" resolved")
	h.advance(6 * 24 * time.Hour)
	h.say("they stopped paying again")
	c := h.caseNow(id)
	if c.Status != store.CaseOpen || c.ReopenedAt != h.clock.t || c.Transcript[len(c.Transcript)-1].Text != "they stopped paying again" {
		t.Fatalf("not reopened: %+v", c)
	}
	if got := texts(h.toPerson()); got != h.T("lo", "case_reopened_by_you", "id", id) {
		t.Fatalf("person told %q", got)
	}
	room := texts(h.room())
	if !strings.Contains(room, "wrote again; the case is open again") || !strings.Contains(room, "they stopped paying again") {
		t.Fatalf("room not told: %s", room)
	}
	h.mod("", "/close "+id+" resolved")
	h.advance(7*24*time.Hour + time.Minute)
	h.say("hello again")
	if c := h.caseNow(id); c.Status != store.CaseClosed {
		t.Fatalf("reopened after 7 days: %+v", c)
	}
	if len(h.room()) != 0 || !strings.Contains(texts(h.last), h.T("lo", "not_understood")) {
		t.Fatalf("old case captured the message: %+v", h.last)
	}
}

func TestEndCaseByThePerson(t *testing.T) {
	h := newCaseHarness(t)
	h.say("/endcase")
	if texts(h.last) != h.T("lo", "case_no_open") {
		t.Fatalf("no case: %s", texts(h.last))
	}
	id := h.intake("other", "LA", "no", "", "no")
	h.say("/endcase")
	c := h.caseNow(id)
	if c.Status != store.CaseClosed || !c.ClosedByPerson || c.Outcome != "closed_by_person" {
		t.Fatalf("case %+v", c)
	}
	if !strings.Contains(texts(h.room()), "closed the case") || texts(h.toPerson()) != h.T("lo", "case_closed_by_you", "id", id) {
		t.Fatalf("replies %+v", h.last)
	}
	h.advance(time.Hour)
	h.say("one more thing")
	if c := h.caseNow(id); c.Status != store.CaseClosed || len(h.room()) != 0 {
		t.Fatal("a case the person closed reopened")
	}
	// A new case can be opened; it keeps the chat's alias.
	id2 := h.intake("other", "LA", "no", "", "no")
	if id2 != "C-0002" || h.caseNow(id2).Alias != c.Alias {
		t.Fatalf("second case %s alias %s", id2, h.caseNow(id2).Alias)
	}
}

func TestCrisisInAnOpenCaseMarksItUrgent(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("en", "KR")
	id := h.intake("unpaid_wages", "KR", "no", "", "no")
	h.say("now the manager says he will beat me")
	if !strings.HasPrefix(h.last[0].Reply.Text, h.T("en", "crisis_title")) || !strings.Contains(h.last[0].Reply.Text, "112") {
		t.Fatalf("contacts not first: %+v", h.last)
	}
	c := h.caseNow(id)
	if !c.Urgent || c.Transcript[len(c.Transcript)-1].Text != "now the manager says he will beat me" {
		t.Fatalf("case %+v", c)
	}
	room := texts(h.room())
	if !strings.Contains(room, "words of danger") || !strings.Contains(room, "now the manager says he will beat me") {
		t.Fatalf("room: %s", room)
	}
	if !strings.Contains(texts(h.toPerson()), h.T("en", "case_helper_alerted")) {
		t.Fatalf("person: %s", texts(h.toPerson()))
	}
}

func TestDangerAnswerShowsContactsAndMakesCaseUrgent(t *testing.T) {
	h := newCaseHarness(t)
	h.press(PayloadNewCase)
	h.press(StepPayload(flowCase, stepWhat, "trapped"))
	h.press(StepPayload(flowCase, stepWhere, "TH"))
	out := h.press(StepPayload(flowCase, stepDanger, "yes"))
	if !strings.HasPrefix(out[0].Reply.Text, h.T("lo", "crisis_title")) || !strings.Contains(out[0].Reply.Text, "1300") {
		t.Fatalf("contacts not first: %+v", out)
	}
	c, _ := h.st.OpenCaseOf("console", "u1")
	if c == nil || !c.Urgent || !c.InDanger {
		t.Fatalf("case %+v", c)
	}
	if h.topics.names[0] != c.ID+" · Trapped, trafficked · TH · urgent" {
		t.Fatalf("topic %q", h.topics.names[0])
	}
}

func TestListShowAndStats(t *testing.T) {
	h := newCaseHarness(t)
	id1 := h.intake("unpaid_wages", "TH", "no", "", "yes")
	h.advance(30 * time.Minute)
	h.mod(h.caseNow(id1).ThreadID, "We will help")
	// A second person, urgent.
	h.advance(time.Hour)
	h.send(bot.Message{Channel: "console", ChatID: "u3", UserID: "u3", ChatType: bot.ChatPrivate, Payload: PayloadNewCase})
	for _, p := range []string{StepPayload(flowCase, stepWhat, "violence"), StepPayload(flowCase, stepWhere, "KR"), StepPayload(flowCase, stepDanger, "yes")} {
		h.send(bot.Message{Channel: "console", ChatID: "u3", UserID: "u3", ChatType: bot.ChatPrivate, Payload: p})
	}
	h.advance(10 * time.Minute)
	h.mod("", "/reply C-0002 call 112 now please")
	h.mod("", "/close C-0002 referred")

	h.mod("", "/cases")
	list := texts(h.last)
	if !strings.Contains(list, id1+" · Unpaid wages · Thailand · Friend-") || strings.Contains(list, "C-0002") || !strings.Contains(list, "with Ana") {
		t.Fatalf("/cases: %s", list)
	}
	h.mod("", "/cases urgent")
	if !strings.Contains(texts(h.last), h.T("en", "case_room_list_empty")) {
		t.Fatalf("/cases urgent: %s", texts(h.last))
	}
	h.mod("", "/cases mine")
	if !strings.Contains(texts(h.last), id1) {
		t.Fatalf("/cases mine: %s", texts(h.last))
	}
	h.send(bot.Message{Channel: "console", ChatID: "moderators", ChatType: bot.ChatGroup, UserID: "m9", UserName: "Kham", Text: "/cases mine"})
	if strings.Contains(texts(h.last), id1) {
		t.Fatalf("someone else's /cases mine: %s", texts(h.last))
	}
	h.mod("", "/case "+id1)
	shown := texts(h.last)
	for _, s := range []string{"Noy Secretname", "timeline", "claimed", "We will help"} {
		if !strings.Contains(shown, s) {
			t.Errorf("/case lacks %q:\n%s", s, shown)
		}
	}
	if tl := h.caseNow(id1).Timeline; tl[len(tl)-1].Action != "name_shown" || tl[len(tl)-1].Actor != "Ana" {
		t.Errorf("the reveal is not in the timeline: %+v", tl[len(tl)-1])
	}
	h.mod("", "/stats")
	stats := texts(h.last)
	for _, s := range []string{"Open: 1", "urgent: 0", "Median time to first answer: 20 min (2 answered)",
		"Closed in the last 7 days: 1", "All cases: 2", "Unpaid wages 1", "Violence or abuse 1"} {
		if !strings.Contains(stats, s) {
			t.Errorf("/stats lacks %q:\n%s", s, stats)
		}
	}
	h.mod("", "/claim C-0099")
	if !strings.Contains(texts(h.last), "There is no case C-0099") {
		t.Errorf("unknown case: %s", texts(h.last))
	}
	h.mod("", "/claim")
	if !strings.Contains(texts(h.last), "Which case?") {
		t.Errorf("no case named: %s", texts(h.last))
	}
}

func TestNothingPersonalInTheLogs(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("en", "TH")
	marker := "ZQX-marker"
	h.say("they beat me " + marker)
	h.say("#1")
	h.press(StepPayload(flowCase, stepWhat, "skip"))
	h.press(StepPayload(flowCase, stepWhere, "skip"))
	h.press(StepPayload(flowCase, stepShare, "yes"))
	c, _ := h.st.OpenCaseOf("console", "u1")
	h.mod(c.ThreadID, "reply "+marker)
	h.mod(c.ThreadID, "// note "+marker)
	h.say("more " + marker)
	h.mod("", "/close "+c.ID+" resolved")
	logs := h.logs.String()
	if !strings.Contains(logs, c.ID) {
		t.Fatalf("case ids are not logged:\n%s", logs)
	}
	for _, s := range []string{marker, "Noy", "Secretname", "u1"} {
		if strings.Contains(logs, s) {
			t.Errorf("the log holds %q:\n%s", s, logs)
		}
	}
}

// consoleScript is the README's walk-through in `phuan chat --user noy`:
// lines typed by noy and, after `/as moderator`, by a moderator in the
// console's moderators' room. A number presses that button of the last
// message with buttons in the typist's chat.
var consoleScript = []string{
	"/start",
	"3", // English
	"1", // I agree
	"2", // Thailand
	"I want to talk to a person",
	"1", // Unpaid wages
	"2", // Thailand
	"2", // not in danger: C-0001 opens, its card goes to the room
	"My employer has not paid me for two months",
	"1", // keep my name hidden: case number, when to expect an answer, safety note
	"/as moderator",
	"/cases",
	"/claim C-0001",
	"/reply C-0001 Hello, I am a Phuan helper. Which province are you in?",
	"/note C-0001 first contact made",
	"/as noy",
	"Chonburi",
	"/as moderator",
	"/case C-0001",
	"/close C-0001 resolved",
	"/as noy",
	"One more question, please", // within 7 days: C-0001 opens again
	"/endcase",
	"They beat me and locked me in", // emergency contacts first
	"1",                             // talk to a helper now: urgent C-0002
	"/as moderator",
	"/cases urgent",
	"/stats",
}

// TestConsoleWalkThrough runs consoleScript the way the console does.
func TestConsoleWalkThrough(t *testing.T) {
	h := newCaseHarness(t, noTopics)
	h.d.features[0] = NewCrisisResponse(crisis.New(), h.cases, nil)
	buttons := map[string][]bot.Envelope{}
	user := "noy"
	seen := map[string]string{} // what each chat saw last
	for _, line := range consoleScript {
		if who, ok := strings.CutPrefix(line, "/as "); ok {
			user = who
			continue
		}
		m := bot.Message{Channel: "console", ChatID: user, ChatType: bot.ChatPrivate, UserID: user, UserName: user}
		if user == "moderator" {
			m.ChatID, m.ChatType = "moderators", bot.ChatGroup
		}
		if n, err := strconv.Atoi(line); err == nil {
			m.Payload = h.buttonIn(buttons[m.ChatID], strconv.Itoa(n))
		} else {
			m.Text = line
		}
		out := h.send(m)
		for _, e := range out {
			if len(e.Reply.Buttons) > 0 {
				buttons[e.ChatID] = []bot.Envelope{e}
			}
		}
		for chat := range map[string]bool{"noy": true, "moderators": true} {
			seen[chat] = texts(h.forChat(chat))
		}
		if line == "They beat me and locked me in" && !strings.HasPrefix(out[0].Reply.Text, h.T("en", "crisis_title")) {
			t.Fatalf("no emergency contacts first: %+v", out)
		}
	}
	c, err := h.st.Case("C-0001")
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.CaseClosed || !c.ClosedByPerson || c.Category != "unpaid_wages" || c.Country != "TH" ||
		c.ClaimedByName != "moderator" || len(c.Transcript) != 4 {
		t.Fatalf("C-0001 after the walk-through %+v", c)
	}
	c2, err := h.st.Case("C-0002")
	if err != nil || !c2.Urgent || c2.Category != "trapped" || c2.Transcript[0].Text != "They beat me and locked me in" {
		t.Fatalf("C-0002 %+v, %v", c2, err)
	}
	if !strings.Contains(seen["moderators"], "Open: 1 · urgent: 1") {
		t.Fatalf("last thing the room saw: %s", seen["moderators"])
	}
}

func TestRealDetectorAnswersFirstInEachLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, text string }{
		{"lo", "ນາຍຈ້າງຕີຂ້ອຍທຸກມື້ ຂ້ອຍຢ້ານຫຼາຍ"},
		{"th", "ถูกขังอยู่ในห้อง ออกไปไหนไม่ได้"},
		{"en", "they lock us in the dorm every night, we cant leave"},
		{"lo", "thao kae yued passport bo hai khuen"},
	} {
		t.Run(tc.text, func(t *testing.T) {
			h := newCaseHarness(t)
			h.d.features[0] = NewCrisisResponse(crisis.New(), h.cases, nil)
			h.consent(tc.lang, "TH")
			out := h.say(tc.text)
			if len(out) == 0 || !strings.HasPrefix(out[0].Reply.Text, h.T(tc.lang, "crisis_title")) || !strings.Contains(out[0].Reply.Text, "191") {
				t.Fatalf("no emergency contacts first: %+v", out)
			}
			h.say("#1")
			if c, err := h.st.OpenCaseOf("console", "u1"); err != nil || !c.Urgent || c.Category == "" {
				t.Fatalf("urgent case %+v, %v", c, err)
			}
		})
	}
	h := newCaseHarness(t)
	h.d.features[0] = NewCrisisResponse(crisis.New(), h.cases, nil)
	if out := h.say("how do i renew my passport"); len(out) > 0 && strings.Contains(out[0].Reply.Text, "1191") {
		t.Fatalf("an ordinary question got emergency contacts: %+v", out)
	}
}

func TestCrisisCategoryMapsToIntake(t *testing.T) {
	for _, tc := range []struct {
		in   []crisis.Category
		want string
	}{
		{nil, ""},
		{[]crisis.Category{crisis.DocumentsTaken}, "documents_taken"},
		{[]crisis.Category{crisis.Violence, crisis.Confinement}, "trapped"},
		{[]crisis.Category{crisis.Threats}, "violence"},
		{[]crisis.Category{crisis.SelfHarm}, "health"},
	} {
		if got := crisisCategory(tc.in); got != tc.want {
			t.Errorf("crisisCategory(%v) = %q, want %q", tc.in, got, tc.want)
		}
		if got := crisisCategory(tc.in); got != "" && !slices.Contains(CaseCategories, got) {
			t.Errorf("%q is not an intake category", got)
		}
	}
}

func TestAnotherFeaturesFlowKeepsItsText(t *testing.T) {
	h := newCaseHarness(t)
	id := h.intake("other", "TH", "no", "", "no")
	conv, _ := h.st.Conversation("console", "u1", h.clock.t)
	conv.Flow, conv.Step, conv.Expires = "enrol", "phone", h.clock.t.Add(time.Hour)
	if err := h.st.SaveConversation(conv); err != nil {
		t.Fatal(err)
	}
	h.say("020 5555 1234")
	if len(h.room()) != 0 || len(h.caseNow(id).Transcript) != 0 {
		t.Fatalf("the case took text meant for another flow: %+v", h.last)
	}
	h.say("now he will beat me")
	if c := h.caseNow(id); !c.Urgent || len(c.Transcript) != 1 {
		t.Fatalf("a crisis message did not reach the case: %+v", c)
	}
}

func TestErasedCasesAreAnnouncedToTheRoom(t *testing.T) {
	h := newCaseHarness(t)
	id := h.intake("other", "TH", "no", "", "no")
	ids, err := h.st.EraseChatCases("console", "u1", h.clock.t)
	if err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("erase: %v %v", ids, err)
	}
	out := h.cases.ErasedNotices(ids)
	if len(out) != 1 || out[0].ChatID != "moderators" || !strings.HasPrefix(out[0].Reply.Text, id+": the person erased") {
		t.Fatalf("notices %+v", out)
	}
	h.say("hello")
	if len(h.room()) != 0 {
		t.Fatal("an erased case still captures messages")
	}
	for _, cmd := range []string{"/claim ", "/case ", "/note ", "/reply "} {
		h.mod("", cmd+id+" x")
		if !strings.Contains(texts(h.last), "There is no case "+id) {
			t.Errorf("%s on an erased case: %s", cmd, texts(h.last))
		}
	}
}

func TestHeldHelperReplyIsToldToTheRoom(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("en", "TH")
	id := h.intake("unpaid_wages", "TH", "no", "", "no")
	d := bot.Delivery{ChatID: "u1", Purpose: bot.PurposeModerator, Ref: "case:" + id}
	out := h.cases.HeldNotice(d)
	if len(out) != 1 || out[0].ChatID != "moderators" || !strings.Contains(out[0].Reply.Text, id) {
		t.Fatalf("held notice %+v", out)
	}
	if out := h.cases.HeldNotice(bot.Delivery{Purpose: bot.PurposeBroadcast, Ref: "broadcast:1:1"}); out != nil {
		t.Fatalf("a broadcast got a case notice: %+v", out)
	}
}

// TestUndeliveredMessageIsToldToTheRoom: a message to the person of a case
// that will never arrive is announced in its topic, with why; nothing else.
func TestUndeliveredMessageIsToldToTheRoom(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("en", "TH")
	id := h.intake("unpaid_wages", "TH", "no", "", "no")
	thread := h.caseNow(id).ThreadID
	item := store.OutboxItem{Channel: "console", ChatID: "u1", Purpose: string(bot.PurposeModerator), Ref: "case:" + id}
	for result, key := range map[string]string{"unreachable": "case_room_undelivered_blocked", "failed": "case_room_undelivered"} {
		out := h.cases.UndeliveredNotice(item, result)
		if len(out) != 1 || out[0].ChatID != "moderators" || out[0].ThreadID != thread ||
			out[0].Reply.Text != h.T("en", key, "id", id) {
			t.Errorf("%s: %+v", result, out)
		}
	}
	room := item
	room.ChatID, room.Group = "moderators", true
	for _, tc := range []struct {
		item   store.OutboxItem
		result string
	}{
		{item, "sent"},
		{room, "failed"}, // a message to the room itself: no notice about a notice
		{store.OutboxItem{ChatID: "u1", Purpose: string(bot.PurposeBroadcast), Ref: "broadcast:1:1"}, "unreachable"},
		{store.OutboxItem{ChatID: "u1", Purpose: string(bot.PurposeResponse)}, "failed"},
	} {
		if out := h.cases.UndeliveredNotice(tc.item, tc.result); out != nil {
			t.Errorf("%+v %s: %+v", tc.item, tc.result, out)
		}
	}
}

// TestHelperFileToAnotherPlatform: a file id from the helpers' platform
// cannot reach a person on another; the helper is told, the words still go,
// and a web link goes as it is.
func TestHelperFileToAnotherPlatform(t *testing.T) {
	h := newCaseHarness(t)
	h.consent("en", "TH")
	id := h.intake("unpaid_wages", "TH", "no", "", "no")
	thread := h.caseNow(id).ThreadID
	// The person writes from another platform than the helpers' room.
	if _, err := h.st.UpdateCase(id, func(x *store.Case) error { x.Channel = "messenger"; return nil }); err != nil {
		t.Fatal(err)
	}
	notice := h.T("en", "case_room_media_not_sent", "id", id)

	m := modMsg(thread, "Here is the form")
	m.Media = []bot.Media{{Kind: bot.MediaPhoto, Ref: "AgACAgQAAxkBAAI"}, {Kind: bot.MediaDocument, Ref: "https://example.org/form.pdf"}}
	h.send(m)
	var sent *bot.Envelope
	for i, e := range h.last {
		if e.Channel == "messenger" && strings.Contains(e.Reply.Text, "Here is the form") {
			sent = &h.last[i]
		}
	}
	if sent == nil || len(sent.Reply.Media) != 1 || sent.Reply.Media[0].Ref != "https://example.org/form.pdf" {
		t.Fatalf("to the person: %+v", h.last)
	}
	if !strings.Contains(texts(h.room()), notice) {
		t.Errorf("the helper was not told: %s", texts(h.room()))
	}
	if tr := h.caseNow(id).Transcript; len(tr[len(tr)-1].Media) != 1 {
		t.Errorf("the transcript keeps what was not sent: %+v", tr[len(tr)-1])
	}

	// Only a file: nothing goes to the person, the helper is told.
	m = modMsg(thread, "")
	m.Media = []bot.Media{{Kind: bot.MediaVoice, Ref: "AwACAgQAAxkBAAI"}}
	h.send(m)
	for _, e := range h.last {
		if e.Channel == "messenger" {
			t.Fatalf("something went to the person: %+v", e)
		}
	}
	if got := texts(h.room()); got != notice {
		t.Errorf("room got %q", got)
	}
}

// TestCrisisContactsForWhatWasDetected: the numbers meant for the danger
// the message signals come first; none is left out.
func TestCrisisContactsForWhatWasDetected(t *testing.T) {
	for _, tc := range []struct {
		text, first string
		all         []string
	}{
		{"My boss took my passport and will not give it back", "📞 1300", []string{"191", "1669", "199"}},
		{"My boss will beat me again tonight", "📞 191", []string{"1669", "199", "1300"}},
	} {
		h := newCaseHarness(t)
		h.d.features[0] = NewCrisisResponse(crisis.New(), h.cases, nil)
		h.consent("en", "TH")
		out := h.say(tc.text)
		text := out[0].Reply.Text
		if i := strings.Index(text, "📞"); i < 0 || !strings.HasPrefix(text[i:], tc.first+" ") {
			t.Errorf("%q: first contact is not %s:\n%s", tc.text, tc.first, text)
		}
		for _, n := range tc.all {
			if !strings.Contains(text, "📞 "+n+" ") {
				t.Errorf("%q: %s left out:\n%s", tc.text, n, text)
			}
		}
	}
}

// TestCrisisKindsMatchTheDetector: what a contact's "for" may name is what
// the detector finds.
func TestCrisisKindsMatchTheDetector(t *testing.T) {
	var cats []string
	for _, c := range crisis.Categories() {
		cats = append(cats, string(c))
	}
	if !slices.Equal(cats, knowledge.CrisisKinds()) {
		t.Errorf("detector %v, knowledge %v", cats, knowledge.CrisisKinds())
	}
}

// TestNoHelpersNoPromises: without a moderators' room nobody would read a
// case, so none is opened; a person asking for one, or in danger, gets the
// help lines and is told there are no helpers, and the menu does not offer
// "talk to a person".
func TestNoHelpersNoPromises(t *testing.T) {
	h := newCaseHarness(t, func(cfg *CasesConfig) { cfg.Moderators = NewModerators(Room{}, nil) })
	h.d.features[0] = NewCrisisResponse(crisis.New(), h.cases, nil)
	h.consent("en", "TH")
	for _, ask := range []func() []bot.Envelope{
		func() []bot.Envelope { return h.press(PayloadNewCase) },
		func() []bot.Envelope { return h.say("I want to talk to a person") },
	} {
		out := ask()
		if len(out) != 2 || !strings.HasPrefix(out[0].Reply.Text, h.T("en", "crisis_title")) ||
			!strings.Contains(out[0].Reply.Text, "1300") || out[1].Reply.Text != h.T("en", "case_unavailable") {
			t.Errorf("asking for a person: %s", texts(out))
		}
	}
	out := h.say("My boss locked me in the room")
	if len(out) != 2 || !strings.Contains(out[0].Reply.Text, "191") || out[1].Reply.Text != h.T("en", "crisis_no_helpers") ||
		len(out[1].Reply.Buttons) != 1 || out[1].Reply.Buttons[0][0].Payload != "menu" {
		t.Errorf("in danger: %s", texts(out))
	}
	if cs, _ := h.st.Cases(store.CaseFilter{}); len(cs) != 0 {
		t.Errorf("cases opened with nobody to read them: %+v", cs)
	}
	if strings.Contains(texts(h.say("/menu")), h.T("en", "case_menu")) {
		t.Error("the menu offers a person")
	}
}
