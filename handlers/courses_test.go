package handlers

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"phuan/bot"
	"phuan/store"
)

// as sends text (or, starting with "!", a button payload) from chat.
func (h *harness) as(chat, text string) []bot.Envelope {
	h.t.Helper()
	h.n++
	m := bot.Message{ID: "m" + strconv.Itoa(h.n), Channel: "console", ChatID: chat, UserID: chat,
		ChatType: bot.ChatPrivate, Time: h.clock.t}
	if p, ok := strings.CutPrefix(text, "!"); ok {
		m.Payload = p
	} else {
		m.Text = text
	}
	return h.send(m)
}

// agreed stores a person who agreed to the privacy notice, chatting in chat.
func agreed(t *testing.T, h *harness, chat, lang string, pr store.Profile) *store.Person {
	t.Helper()
	p := &store.Person{Lang: lang, Profile: pr, ConsentAt: h.clock.t, CreatedAt: h.clock.t, LastSeenAt: h.clock.t}
	if err := h.store.CreatePerson(p, store.Identity{Channel: "console", PlatformID: chat}); err != nil {
		t.Fatal(err)
	}
	return p
}

func payloads(envs []bot.Envelope) []string {
	var out []string
	for _, e := range envs {
		for _, row := range e.Reply.Buttons {
			for _, b := range row {
				out = append(out, b.Payload)
			}
		}
	}
	return out
}

func hasPayload(envs []bot.Envelope, p string) bool {
	for _, x := range payloads(envs) {
		if x == p {
			return true
		}
	}
	return false
}

func newCourseHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.d.features = []Feature{NewCourses(h.store), NewEvents(h.store), NewSubscriptions(h.store)}
	return h
}

func putCourse(t *testing.T, h *harness, c store.Course) *store.Course {
	t.Helper()
	if c.Title == nil {
		c.Title = store.Texts{"lo": "ຫຼັກສູດ " + c.ID, "en": "Course " + c.ID}
	}
	if c.Provider == "" {
		c.Provider = "Skills Centre"
	}
	if c.Start == "" {
		c.Start, c.End, c.Deadline = "2026-12-10", "2026-12-20", "2026-12-05"
	}
	if c.Format == "" {
		c.Format = store.FormatInPerson
	}
	if err := h.store.PutCourse(&c, h.clock.t); err != nil {
		t.Fatal(err)
	}
	return &c
}

func TestCourseListFitsProvinceAndStatus(t *testing.T) {
	h := newCourseHarness(t)
	putCourse(t, h, store.Course{ID: "vt", Province: "VT", Eligibility: []store.Status{store.StatusReturned}})
	putCourse(t, h, store.Course{ID: "ch", Province: "CH"})
	putCourse(t, h, store.Course{ID: "online", Format: store.FormatOnline})
	putCourse(t, h, store.Course{ID: "abroad", Eligibility: []store.Status{store.StatusAbroad}})
	putCourse(t, h, store.Course{ID: "past", Start: "2026-11-01"})
	putCourse(t, h, store.Course{ID: "gone", Cancelled: true})

	// Someone who declined can still browse everything upcoming.
	h.as("u1", "/courses")
	if got := payloads(h.last); !hasPayload(h.last, "course:ch") || !hasPayload(h.last, "course:vt") ||
		hasPayload(h.last, "course:past") || hasPayload(h.last, "course:gone") {
		t.Fatalf("browsing without a profile: %v", got)
	}
	agreed(t, h, "u2", "en", store.Profile{Country: "LA", Status: store.StatusReturned, Province: "VT"})
	h.as("u2", "!courses")
	got := payloads(h.last)
	if !hasPayload(h.last, "course:vt") || !hasPayload(h.last, "course:online") ||
		hasPayload(h.last, "course:ch") || hasPayload(h.last, "course:abroad") {
		t.Fatalf("list for a returnee in Vientiane: %v", got)
	}
	if !strings.Contains(h.text(), "Upcoming courses for you") {
		t.Fatalf("not in English: %s", h.text())
	}
}

func TestEnrolAsksNameAndPhoneWithConsentAndForgetsThemFromTheChat(t *testing.T) {
	h := newCourseHarness(t)
	c := putCourse(t, h, store.Course{ID: "sew", NeedsName: true, NeedsPhone: true})
	// Without consent: no enrolment, a way to agree.
	h.as("u1", "!course:enrol:sew")
	if !hasPayload(h.last, "settings:consent") {
		t.Fatalf("enrolling without consent: %s %v", h.text(), payloads(h.last))
	}
	p := agreed(t, h, "u1", "lo", store.Profile{Country: "LA"})
	h.as("u1", "!course:sew")
	if !hasPayload(h.last, "course:enrol:sew") {
		t.Fatalf("no enrol button: %v", payloads(h.last))
	}
	h.as("u1", "!course:enrol:sew")
	if !strings.Contains(h.text(), "Skills Centre") || !hasPayload(h.last, StepPayload(flowEnrol, stepEnrolConsent, "yes")) {
		t.Fatalf("consent question: %s", h.text())
	}
	h.as("u1", "!"+StepPayload(flowEnrol, stepEnrolConsent, "yes"))
	if !strings.Contains(h.text(), h.d.cat.T("lo", "enrol_ask_name")) {
		t.Fatalf("no name question: %s", h.text())
	}
	h.as("u1", "ນ້ອຍ ສີສຸກ")
	h.as("u1", "call me maybe")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "enrol_bad_phone")) {
		t.Fatalf("a bad phone number was taken: %s", h.text())
	}
	h.as("u1", "+856 ໒໐ 5555 1234")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "enrol_done", "title", c.Title["lo"], "date", "10/12/2026")) {
		t.Fatalf("not enrolled: %s", h.text())
	}
	e, err := h.store.Enrolment("sew", p.ID)
	if err != nil || e.Status != store.Enrolled || e.Name != "ນ້ອຍ ສີສຸກ" || e.Phone != "+856 20 5555 1234" || e.ConsentAt.IsZero() {
		t.Fatalf("enrolment %+v %v", e, err)
	}
	conv, _ := h.store.Conversation("console", "u1", h.clock.t)
	if conv.Flow != "" || len(conv.Answers) != 0 {
		t.Fatalf("the name and phone stayed in the conversation: %+v", conv)
	}
	// A name asked for long ago is not taken from an ordinary message.
	putCourse(t, h, store.Course{ID: "weld", NeedsName: true})
	h.as("u1", "!course:enrol:weld")
	h.as("u1", "!"+StepPayload(flowEnrol, stepEnrolConsent, "yes"))
	h.clock.t = h.clock.t.Add(enrolAnswerTime + time.Minute)
	h.as("u1", "Boss keeps my passport")
	if _, err := h.store.Enrolment("weld", p.ID); !store.IsNotFound(err) {
		t.Fatalf("a late message was taken as a name: %v", err)
	}
	// Saying no keeps nothing.
	putCourse(t, h, store.Course{ID: "farm", NeedsPhone: true})
	h.as("u1", "!course:enrol:farm")
	h.as("u1", "!"+StepPayload(flowEnrol, stepEnrolConsent, "no"))
	if _, err := h.store.Enrolment("farm", p.ID); !store.IsNotFound(err) {
		t.Fatalf("enrolled after saying no: %v", err)
	}
}

func TestWaitingListAndMovingUpTellsThePerson(t *testing.T) {
	h := newCourseHarness(t)
	putCourse(t, h, store.Course{ID: "full", Seats: 1})
	first := agreed(t, h, "u1", "lo", store.Profile{})
	second := agreed(t, h, "u2", "en", store.Profile{})
	h.as("u1", "!course:enrol:full")
	h.as("u2", "!course:full")
	if !hasPayload(h.last, "course:enrol:full") || !strings.Contains(h.text(), "Places left: 0 of 1") {
		t.Fatalf("full course details: %s", h.text())
	}
	h.as("u2", "!course:enrol:full")
	if !strings.Contains(h.text(), "number 1 on the waiting list") {
		t.Fatalf("not on the waiting list: %s", h.text())
	}
	h.as("u1", "!course:cancel:full")
	out := h.as("u1", "!course:cancel-yes:full")
	var told *bot.Envelope
	for i := range out {
		if out[i].ChatID == "u2" {
			told = &out[i]
		}
	}
	if told == nil || !strings.Contains(told.Reply.Text, "A place opened") || told.PersonID != second.ID {
		t.Fatalf("the person who moved up was not told: %+v", out)
	}
	if e, _ := h.store.Enrolment("full", second.ID); e.Status != store.Enrolled {
		t.Fatalf("second person is %s", e.Status)
	}
	if e, _ := h.store.Enrolment("full", first.ID); e.Status != store.Cancelled {
		t.Fatalf("first person is %s", e.Status)
	}
	h.as("u2", "/mycourses")
	if !strings.Contains(h.text(), "enrolled") {
		t.Fatalf("my courses: %s", h.text())
	}
}

func TestRemindMeForCoursesAndEvents(t *testing.T) {
	h := newCourseHarness(t)
	putCourse(t, h, store.Course{ID: "soon"})
	p := agreed(t, h, "u1", "en", store.Profile{Country: "TH"})
	h.as("u1", "!course:remind:soon")
	if !strings.Contains(h.text(), "remind you on 03/12/2026") {
		t.Fatalf("course reminder: %s", h.text())
	}
	h.as("u1", "/events")
	if !hasPayload(h.last, "event:imd-2026") || !strings.Contains(h.text(), "International Migrants Day") {
		t.Fatalf("events list: %s %v", h.text(), payloads(h.last))
	}
	h.as("u1", "!event:imd-2026")
	if !strings.Contains(h.text(), "18/12/2026") || !hasPayload(h.last, "event:remind:imd-2026") {
		t.Fatalf("event details: %s", h.text())
	}
	h.as("u1", "!event:remind:imd-2026")
	if !strings.Contains(h.text(), "17/12/2026 09:00") {
		t.Fatalf("event reminder: %s", h.text())
	}
	rs, _ := h.store.PersonReminders(p.ID)
	if len(rs) != 2 {
		t.Fatalf("reminders %+v", rs)
	}
}

func TestSubscribeAndStopEverything(t *testing.T) {
	h := newCourseHarness(t)
	h.as("u1", "/stop")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "subs_nothing_to_stop")) {
		t.Fatalf("stop without consent: %s", h.text())
	}
	h.as("u1", "!subs")
	if !hasPayload(h.last, "settings:consent") {
		t.Fatalf("subscribing without consent: %v", payloads(h.last))
	}
	p := agreed(t, h, "u1", "en", store.Profile{})
	h.as("u1", "!subs:topic:courses")
	h.as("u1", "!subs:topic:news")
	h.as("u1", "!subs:place:VT")
	h.as("u1", "!subs:place:LP")
	h.as("u1", "!subs:place:VT")
	sub, _ := h.store.Subscription(p.ID)
	if !sub.Has(store.TopicCourses) || !sub.Has(store.TopicNews) || sub.Has(store.TopicEvents) ||
		len(sub.Provinces) != 1 || sub.Provinces[0] != "LP" {
		t.Fatalf("subscription %+v", sub)
	}
	h.as("u1", "!subs")
	if !strings.Contains(h.text(), "Luang Prabang") || !hasPayload(h.last, "subs:stop") {
		t.Fatalf("subscription screen: %s", h.text())
	}
	h.as("u1", "!subs:stop")
	if !hasPayload(h.last, "subs:stop-yes") {
		t.Fatalf("no confirmation: %v", payloads(h.last))
	}
	if sub, _ := h.store.Subscription(p.ID); sub.Stopped {
		t.Fatal("stopped before confirming")
	}
	h.as("u1", "!subs:stop-yes")
	if sub, _ := h.store.Subscription(p.ID); !sub.Stopped || len(sub.Topics) != 0 {
		t.Fatalf("after stopping: %+v", sub)
	}
	if !strings.Contains(h.text(), "no more news") {
		t.Fatalf("no confirmation of stopping: %s", h.text())
	}
}

func TestMenuHasTrainingEventsAndNews(t *testing.T) {
	h := newCourseHarness(t)
	h.as("u1", "/menu")
	for _, p := range []string{"courses", "events", "subs"} {
		if !hasPayload(h.last, p) {
			t.Errorf("menu lacks %s: %v", p, payloads(h.last))
		}
	}
}

// TestGroupSubscriptionByItsAdmins: in a group, /subscribe shows what the
// group gets; only the group's admins may change it; the language chosen
// is the group's; /stop (or the button under a group broadcast) ends it.
func TestGroupSubscriptionByItsAdmins(t *testing.T) {
	h := newHarness(t)
	h.d.features = []Feature{NewSubscriptions(h.store)}
	inGroup := func(admin bool, text, payload string) []bot.Envelope {
		h.n++
		return h.send(bot.Message{ID: strconv.Itoa(h.n), Channel: "telegram", ChatID: "-1001", ChatType: bot.ChatGroup,
			UserID: "u9", Text: text, Payload: payload, FromGroupAdmin: admin, Time: h.clock.t, LanguageCode: "th"})
	}
	group := func() *store.GroupSubscription {
		g, err := h.store.GroupSubscription("telegram", "-1001")
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	cat, _ := LoadCatalog()
	if out := inGroup(false, "/subscribe", ""); len(out) != 1 || out[0].Reply.Text != cat.T("th", "gsubs_admins_only") {
		t.Fatalf("a member's /subscribe: %+v", out)
	}
	if out := inGroup(false, "", "gsubs:topic:events"); out[0].Reply.Text != cat.T("th", "gsubs_admins_only") || len(group().Topics) != 0 {
		t.Fatalf("a member changed the group's news: %+v %+v", out, group())
	}
	out := inGroup(true, "/subscribe", "")
	if !strings.HasPrefix(out[0].Reply.Text, "📣") || out[0].ChatID != "-1001" {
		t.Fatalf("an admin's /subscribe: %+v", out)
	}
	inGroup(true, "", "gsubs:topic:events")
	inGroup(true, "", "gsubs:topic:news")
	inGroup(true, "", "gsubs:topic:news")
	out = inGroup(true, "", "gsubs:lang:lo")
	if g := group(); g.Lang != "lo" || len(g.Topics) != 1 || g.Topics[0] != store.TopicEvents {
		t.Fatalf("group subscription %+v", g)
	}
	if !strings.Contains(out[0].Reply.Text, cat.T("lo", "lang_name_lo")) || h.button(2).Label != "✅ "+cat.T("lo", "topic_events") {
		t.Fatalf("after choosing Lao: %+v", out[0].Reply)
	}
	if out := inGroup(true, "", "gsubs:stop"); out[0].Reply.Text != cat.T("lo", "gsubs_stopped") || len(group().Topics) != 0 {
		t.Fatalf("stop: %+v %+v", out, group())
	}
	if out := inGroup(true, "/stop", ""); out[0].Reply.Text != cat.T("lo", "gsubs_nothing_to_stop") {
		t.Fatalf("stop again: %+v", out)
	}
	// Removed from the group, the bot forgets it: subscription and state.
	inGroup(true, "", "gsubs:topic:news")
	out = h.send(bot.Message{ID: "left", Channel: "telegram", ChatID: "-1001", ChatType: bot.ChatGroup, UserID: "u9",
		Event: bot.EventLeftGroup, Time: h.clock.t})
	if len(out) != 0 || len(group().Topics) != 0 {
		t.Fatalf("after the bot left: replies %+v, subscription %+v", out, group())
	}
	if c, err := h.store.Conversation("telegram", "-1001", h.clock.t); err != nil || c.Lang != "" {
		t.Fatalf("the group's state was kept: %+v, %v", c, err)
	}
}
