package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"phuan/bot"
	"phuan/knowledge"
	"phuan/store"
)

// CaseCategories are the answers to "what happened?", in the order shown.
var CaseCategories = []string{"unpaid_wages", "documents_taken", "violence", "trapped", "health", "documents", "job_offer", "other"}

// CaseOutcomes are what a moderator records when closing a case. They
// survive erasure as counts, so they are codes, never free text.
var CaseOutcomes = []string{"resolved", "referred", "no_reply", "duplicate", "other"}

// Payloads other features may put on their buttons.
const (
	PayloadNewCase  = "case:new"      // start the intake ("talk to a person")
	PayloadContacts = "case:contacts" // show the emergency contacts again
)

// Outcomes the bot records by itself.
const (
	outcomeByPerson = "closed_by_person"
)

// The intake flow and its steps.
const (
	flowCase   = "case"
	stepCrisis = "crisis" // emergency contacts shown, a helper offered
	stepWhat   = "what"
	stepWhere  = "where"
	stepDanger = "danger"
	stepWords  = "words"
	stepShare  = "share"
)

// Keys of the intake's answers in the conversation state.
const (
	ansCase     = "case_id"  // set once the case is open: later answers update it
	ansMode     = "mode"     // modeUrgent when opened at once after a crisis message
	ansCrisis   = "crisis"   // the message that showed danger, until the person asks for a helper
	ansCategory = "category" //
	ansCountry  = "country"
	ansDanger   = "danger"
	modeUrgent  = "urgent"
)

// Clock rules of cases.
const (
	// ReopenWindow: a person who writes within this time after a helper
	// closed their case reopens it.
	ReopenWindow = 7 * 24 * time.Hour
	// UrgentClaimDeadline: an urgent case not claimed by then is announced again.
	UrgentClaimDeadline = 10 * time.Minute
	// UrgentRepeat: how often an urgent case still not claimed is announced after that.
	UrgentRepeat = time.Hour
	// AnswerDeadline: a person waiting this long for a helper's answer causes a reminder.
	AnswerDeadline = 24 * time.Hour
)

// maxCrisisText bounds the crisis message held until the person asks for a helper.
const maxCrisisText = 4000

// Topics opens a topic per case in the moderators' room (a Telegram forum
// supergroup) and returns its thread id.
type Topics interface {
	CreateTopic(ctx context.Context, chatID, name string) (threadID string, err error)
}

// TopicsFunc adapts a function, such as the Telegram channel's
// CreateForumTopic method, to Topics.
type TopicsFunc func(ctx context.Context, chatID, name string) (string, error)

// CreateTopic calls f.
func (f TopicsFunc) CreateTopic(ctx context.Context, chatID, name string) (string, error) {
	return f(ctx, chatID, name)
}

// ContactBook gives the emergency contacts of a country; *knowledge.Base is one.
type ContactBook interface {
	EmergencyContacts(country string) []knowledge.Contact
}

// CaseStore is what cases need from the store.
type CaseStore interface {
	OpenCase(c *store.Case) error
	Case(id string) (*store.Case, error)
	UpdateCase(id string, change func(*store.Case) error) (*store.Case, error)
	// CurrentCase is a chat's newest case without its timeline and transcript.
	CurrentCase(channel, chatID string) (*store.Case, error)
	CaseByThread(threadID string) (*store.Case, error)
	Cases(f store.CaseFilter) ([]*store.Case, error)
	CaseStats(since time.Time) (store.CaseStats, error)
}

// CasesConfig configures Cases.
type CasesConfig struct {
	Store      CaseStore
	Catalog    *Catalog
	Moderators *Moderators
	Topics     Topics      // nil when the room has no topics: cards are plain messages
	Contacts   ContactBook // the knowledge base, for emergency contacts
	// RoomLang is the language of what moderators read; default "lo".
	RoomLang string
	// Location is the time zone of times shown to moderators; default UTC+7 (Laos).
	Location *time.Location
	// TopicTimeout bounds creating a topic; default 5 seconds.
	TopicTimeout time.Duration
	Logger       *slog.Logger
}

// Cases is the feature that brings a person and a trained helper
// together: the ways in, the intake, the relay both ways, moderator
// commands in the moderators' room, and the escalation clock (CheckSLA).
type Cases struct {
	store    CaseStore
	cat      *Catalog
	mods     *Moderators
	topics   Topics
	contacts ContactBook
	roomLang string
	loc      *time.Location
	timeout  time.Duration
	log      *slog.Logger
}

// NewCases returns the cases feature.
func NewCases(cfg CasesConfig) *Cases {
	if cfg.RoomLang == "" || !validLang(cfg.RoomLang) {
		cfg.RoomLang = "lo"
	}
	if cfg.Location == nil {
		cfg.Location = time.FixedZone("UTC+7", 7*3600)
	}
	if cfg.TopicTimeout <= 0 {
		cfg.TopicTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Cases{store: cfg.Store, cat: cfg.Catalog, mods: cfg.Moderators, topics: cfg.Topics,
		contacts: cfg.Contacts, roomLang: cfg.RoomLang, loc: cfg.Location, timeout: cfg.TopicTimeout,
		log: cfg.Logger.With("component", "cases")}
}

// Menu offers "talk to a person" in private chats, when there are helpers.
func (c *Cases) Menu(t *Turn) []bot.Button {
	if t.Msg.ChatType == bot.ChatGroup || !c.Staffed() {
		return nil
	}
	return []bot.Button{{Label: t.T("case_menu"), Payload: PayloadNewCase}}
}

// Handle takes the moderators' room, moderator commands and buttons, the
// ways into a case, the intake, and whatever a person with an open case sends.
func (c *Cases) Handle(ctx context.Context, t *Turn) (bool, error) {
	m := t.Msg
	ensureAnswers(t)
	if c.mods.InRoom(m) {
		return c.room(ctx, t)
	}
	if strings.HasPrefix(m.Payload, "mod:") || moderatorCommands[t.Command] {
		return true, c.moderatorElsewhere(ctx, t)
	}
	if m.ChatType != bot.ChatPrivate {
		if m.Payload == PayloadNewCase || t.Command == "endcase" || m.Payload == "" && t.Command == "" && wantsPerson(m.Text) {
			t.Say(t.T("case_group_private"), t.PrivateChatButton()...)
			return true, nil
		}
		return false, nil
	}
	if !c.Staffed() && (m.Payload == PayloadNewCase || strings.HasPrefix(m.Payload, "step:"+flowCase+".") ||
		m.Payload == "" && t.Command == "" && wantsPerson(m.Text)) {
		c.unstaffed(t)
		return true, nil
	}
	switch {
	case m.Payload == PayloadNewCase:
		return true, c.begin(t)
	case m.Payload == PayloadContacts:
		where := ""
		if cs, err := c.store.CurrentCase(m.Channel, m.ChatID); err == nil {
			where = cs.Country
		}
		c.sayContacts(t, c.countriesFor(t, where, ""))
		t.Say(t.T("case_contacts_after"), t.MenuButton())
		return true, nil
	case strings.HasPrefix(m.Payload, "step:"+flowCase+"."):
		return c.step(ctx, t)
	case m.Payload != "":
		return false, nil
	case t.Command == "endcase":
		return true, c.endByPerson(t)
	case t.Command != "":
		return false, nil
	}
	if ok, err := c.capture(ctx, t, false); ok || err != nil {
		return ok, err
	}
	if c.beforeOpen(t) {
		return true, c.openFromMessage(ctx, t, false)
	}
	if wantsPerson(m.Text) {
		return true, c.begin(t)
	}
	return false, nil
}

// Staffed reports whether cases reach helpers: a moderators' room is set.
// Without one nobody would read a case, so none is opened and people are
// given the help lines instead.
func (c *Cases) Staffed() bool { return c.mods != nil && c.mods.Room.ChatID != "" }

// unstaffed answers a request for a person when there are no helpers.
func (c *Cases) unstaffed(t *Turn) {
	t.EndFlow()
	c.sayContacts(t, c.countriesFor(t, "", ""))
	t.Say(t.T("case_unavailable"), t.MenuButton())
}

// ensureAnswers gives the conversation a map for the intake's answers
// (an empty one is not stored, so it comes back nil).
func ensureAnswers(t *Turn) {
	if t.Conv.Answers == nil {
		t.Conv.Answers = map[string]string{}
	}
}

// personWords are ways of asking for a human, in Lao, Thai, English and
// romanised Lao. Whole messages in soloWords count too.
var personWords = []string{
	"ຢາກລົມກັບຄົນ", "ລົມກັບຄົນ", "ຂໍລົມກັບຄົນ", "ລົມກັບເຈົ້າໜ້າທີ່", "ຢາກລົມກັບເຈົ້າໜ້າທີ່", "ຂໍເວົ້າກັບຄົນ", "ເວົ້າກັບຄົນແທ້",
	"อยากคุยกับเจ้าหน้าที่", "คุยกับเจ้าหน้าที่", "คุยกับคน", "ขอคุยกับคน", "ติดต่อเจ้าหน้าที่", "คุยกับคนจริง",
	"talk to a human", "talk to a person", "talk to someone", "talk to a real person", "speak to a human",
	"speak to a person", "speak to someone", "talk to an agent", "talk with a person", "talk with someone",
	"human please", "real person",
	"yak lom kap khon", "yak lom kab khon", "lom kap khon", "lom kab khon", "lom gap khon", "lom kub khon",
	"yak lom nam khon", "lom kap chao na thi", "lom kab jao na ti",
}

var soloWords = []string{"human", "agent", "operator", "helper", "ເຈົ້າໜ້າທີ່", "ຄົນແທ້", "เจ้าหน้าที่", "คนจริง"}

// The word lists normalised once (read only), not at every message.
var (
	normPersonWords = normalizeAll(personWords)
	normSoloWords   = normalizeAll(soloWords)
)

func normalizeAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = knowledge.Normalize(w)
	}
	return out
}

// wantsPerson reports whether text asks to talk to a person.
func wantsPerson(text string) bool {
	n := strings.Join(strings.Fields(knowledge.Normalize(text)), " ")
	n = strings.Trim(n, " .!?,;:")
	if n == "" || len(n) > 300 {
		return false
	}
	return slices.Contains(normSoloWords, n) ||
		slices.ContainsFunc(normPersonWords, func(w string) bool { return strings.Contains(n, w) })
}

// begin starts the intake, or points to the case already open.
func (c *Cases) begin(t *Turn) error {
	if cs, err := c.openCaseOf(t); err != nil {
		return err
	} else if cs != nil {
		t.Say(t.T("case_already_open", "id", cs.ID), t.MenuButton())
		return nil
	}
	held := ""
	if t.Conv.Flow == flowCase && t.Conv.Step == stepCrisis {
		held = t.Conv.Answers[ansCrisis]
	}
	t.EndFlow()
	t.StartFlow(flowCase, stepWhat)
	if held != "" {
		t.Conv.Answers[ansCrisis] = held
	}
	if t.Person == nil {
		t.Say(t.T("case_intro_declined"))
	} else {
		t.Say(t.T("case_intro"))
	}
	c.askWhat(t)
	return nil
}

func (c *Cases) askWhat(t *Turn) {
	t.StartFlow(flowCase, stepWhat)
	rows := make([][]bot.Button, 0, len(CaseCategories)+1)
	for _, cat := range CaseCategories {
		rows = append(rows, Button(t.T("case_cat_"+cat), StepPayload(flowCase, stepWhat, cat)))
	}
	rows = append(rows, Button(t.T("skip"), StepPayload(flowCase, stepWhat, "skip")))
	t.Say(t.T("case_ask_what"), rows...)
}

func (c *Cases) askWhere(t *Turn) {
	t.StartFlow(flowCase, stepWhere)
	rows := make([][]bot.Button, 0, len(Countries)+1)
	for _, code := range Countries {
		rows = append(rows, Button(countryName(t.T, code), StepPayload(flowCase, stepWhere, code)))
	}
	rows = append(rows, Button(t.T("skip"), StepPayload(flowCase, stepWhere, "skip")))
	t.Say(t.T("case_ask_where"), rows...)
}

func (c *Cases) askDanger(t *Turn) {
	t.StartFlow(flowCase, stepDanger)
	t.Say(t.T("case_ask_danger"),
		Button(t.T("case_danger_yes"), StepPayload(flowCase, stepDanger, "yes")),
		Button(t.T("case_danger_no"), StepPayload(flowCase, stepDanger, "no")),
		Button(t.T("skip"), StepPayload(flowCase, stepDanger, "skip")))
}

func (c *Cases) askWords(t *Turn) {
	t.StartFlow(flowCase, stepWords)
	t.Say(t.T("case_ask_words"), Button(t.T("skip"), StepPayload(flowCase, stepWords, "skip")))
}

func (c *Cases) askShare(t *Turn, thanks bool) {
	t.StartFlow(flowCase, stepShare)
	text := t.T("case_ask_share")
	if thanks {
		text = t.T("case_words_thanks") + "\n" + text
	}
	t.Say(text,
		Button(t.T("case_share_no"), StepPayload(flowCase, stepShare, "no")),
		Button(t.T("case_share_yes"), StepPayload(flowCase, stepShare, "yes")))
}

// countryName names a country code in the catalogue's words.
func countryName(tr func(string, ...string) string, code string) string {
	switch code {
	case "":
		return tr("not_set")
	case "ZZ":
		return tr("country_other")
	}
	if slices.Contains(Countries, code) {
		return tr("country_" + code)
	}
	return code
}

// step answers a button of the intake.
func (c *Cases) step(ctx context.Context, t *Turn) (bool, error) {
	_, step, value, ok := parseStep(t.Msg.Payload)
	if !ok || t.Conv.Flow != flowCase || t.Conv.Step != step {
		return false, nil
	}
	a := t.Conv.Answers
	switch step {
	case stepCrisis:
		if value != "now" {
			return false, nil
		}
		return true, c.openUrgentNow(ctx, t)
	case stepWhat:
		if value != "skip" && !slices.Contains(CaseCategories, value) {
			return false, nil
		}
		if value != "skip" {
			a[ansCategory] = value
			if err := c.updateFromIntake(t, func(cs *store.Case) { cs.Category = value }); err != nil {
				return true, err
			}
		}
		c.askWhere(t)
	case stepWhere:
		if value != "skip" && !slices.Contains(Countries, value) {
			return false, nil
		}
		if value != "skip" {
			a[ansCountry] = value
			if err := c.updateFromIntake(t, func(cs *store.Case) { cs.Country = value }); err != nil {
				return true, err
			}
		}
		if a[ansCase] != "" {
			c.askShare(t, false)
		} else {
			c.askDanger(t)
		}
	case stepDanger:
		if value != "yes" && value != "no" && value != "skip" {
			return false, nil
		}
		a[ansDanger] = value
		if value == "yes" {
			c.sayContacts(t, c.countriesFor(t, a[ansCountry], ""))
		}
		return true, c.openFromIntake(ctx, t)
	case stepWords:
		if value != "skip" {
			return false, nil
		}
		c.askShare(t, false)
	case stepShare:
		if value != "yes" && value != "no" {
			return false, nil
		}
		return true, c.finishIntake(t, value == "yes")
	default:
		return false, nil
	}
	return true, nil
}

// updateFromIntake applies an intake answer to the case when it is open already.
func (c *Cases) updateFromIntake(t *Turn, change func(*store.Case)) error {
	id := t.Conv.Answers[ansCase]
	if id == "" {
		return nil
	}
	_, err := c.store.UpdateCase(id, func(cs *store.Case) error {
		change(cs)
		return nil
	})
	if store.IsNotFound(err) {
		return nil
	}
	return err
}

// beforeOpen reports whether the chat is in the intake and its case is not open yet.
func (c *Cases) beforeOpen(t *Turn) bool {
	if t.Conv.Flow != flowCase || t.Conv.Answers[ansCase] != "" {
		return false
	}
	switch t.Conv.Step {
	case stepWhat, stepWhere, stepDanger:
		return true
	}
	return false
}

// openFromIntake opens the case once the buttons are answered, then asks for the person's own words.
func (c *Cases) openFromIntake(ctx context.Context, t *Turn) error {
	cs, err := c.open(ctx, t, c.draft(t), nil)
	if err != nil {
		return err
	}
	t.Conv.Answers[ansCase] = cs.ID
	c.askWords(t)
	return nil
}

// openFromMessage opens the case when the person writes instead of
// pressing buttons: what they wrote is its first message.
func (c *Cases) openFromMessage(ctx context.Context, t *Turn, urgent bool) error {
	d := c.draft(t)
	if urgent {
		d.Urgent = true
	}
	cs, err := c.open(ctx, t, d, personEntry(t))
	if err != nil {
		return err
	}
	t.Conv.Answers[ansCase] = cs.ID
	t.Say(t.T("case_opened_now", "id", cs.ID))
	c.askShare(t, false)
	return nil
}

// openUrgentNow opens an urgent case at once, after a crisis message,
// with that message first; the intake follows and can be skipped.
func (c *Cases) openUrgentNow(ctx context.Context, t *Turn) error {
	if cs, err := c.openCaseOf(t); err != nil {
		return err
	} else if cs != nil {
		t.EndFlow()
		t.Say(t.T("case_already_open", "id", cs.ID), t.MenuButton())
		return nil
	}
	d := c.draft(t)
	d.Urgent = true
	cs, err := c.open(ctx, t, d, nil)
	if err != nil {
		return err
	}
	t.EndFlow()
	t.StartFlow(flowCase, stepWhat)
	t.Conv.Answers[ansCase] = cs.ID
	t.Conv.Answers[ansMode] = modeUrgent
	t.Say(t.T("case_opened_urgent", "id", cs.ID))
	c.askWhat(t)
	return nil
}

// draft is the case the intake's answers so far describe.
func (c *Cases) draft(t *Turn) *store.Case {
	a := t.Conv.Answers
	d := &store.Case{Category: a[ansCategory], Country: a[ansCountry], InDanger: a[ansDanger] == "yes"}
	d.Urgent = d.InDanger || a[ansCrisis] != ""
	if d.Country == "" && t.Person != nil {
		d.Country = t.Person.Profile.Country
	}
	return d
}

// personEntry is what the person just sent, as a transcript entry.
func personEntry(t *Turn) *store.CaseEntry {
	m := t.Msg
	if strings.TrimSpace(m.Text) == "" && len(m.Media) == 0 {
		return nil
	}
	return &store.CaseEntry{At: t.Now, Actor: store.ActorPerson, Action: store.FromPerson, Text: m.Text, Media: caseMedia(m.Media)}
}

func caseMedia(ms []bot.Media) []store.CaseMedia {
	var out []store.CaseMedia
	for _, m := range ms {
		if m.Ref != "" {
			out = append(out, store.CaseMedia{Kind: string(m.Kind), Ref: m.Ref, MIME: m.MIME})
		}
	}
	return out
}

func botMedia(ms []store.CaseMedia) []bot.Media {
	var out []bot.Media
	for _, m := range ms {
		out = append(out, bot.Media{Kind: bot.MediaKind(m.Kind), Ref: m.Ref, MIME: m.MIME})
	}
	return out
}

// open stores a new case for the chat (its first messages: a held crisis
// message, then first), opens its topic and posts its card in the
// moderators' room.
func (c *Cases) open(ctx context.Context, t *Turn, d *store.Case, first *store.CaseEntry) (*store.Case, error) {
	m := t.Msg
	d.Channel, d.ChatID, d.Lang = m.Channel, m.ChatID, t.Lang
	if t.Person != nil {
		d.PersonID = t.Person.ID
	}
	d.OpenedAt, d.LastPersonAt = t.Now, t.Now
	if d.Urgent {
		d.UrgentAt = t.Now
	}
	d.Log(t.Now, store.ActorPerson, "opened", "")
	if d.Urgent {
		d.Log(t.Now, store.ActorSystem, "urgent", "")
	}
	if held := t.Conv.Answers[ansCrisis]; held != "" {
		d.Transcript = append(d.Transcript, store.CaseEntry{At: t.Now, Actor: store.ActorPerson, Action: store.FromPerson, Text: held})
		delete(t.Conv.Answers, ansCrisis)
	}
	if first != nil {
		d.Transcript = append(d.Transcript, *first)
	}
	err := c.store.OpenCase(d)
	if errors.Is(err, store.ErrCaseOpen) {
		// Opened meanwhile from another message: add to that one.
		cs, err := c.openCaseOf(t)
		if err != nil || cs == nil {
			return nil, fmt.Errorf("open case: %w", store.ErrCaseOpen)
		}
		if _, err := c.relayPerson(t, cs, d.Transcript, d.Urgent); err != nil {
			return nil, err
		}
		return cs, nil
	}
	if err != nil {
		return nil, err
	}
	c.log.Info("case opened", "case_id", d.ID, "urgent", d.Urgent, "category", d.Category, "channel", d.Channel)
	if thread := c.createTopic(ctx, d); thread != "" {
		if _, err := c.store.UpdateCase(d.ID, func(cs *store.Case) error {
			cs.ThreadID = thread
			return nil
		}); err == nil {
			d.ThreadID = thread
		} else {
			c.log.Error("record case topic", "case_id", d.ID, "err", err)
		}
	}
	c.toRoom(t, d.ThreadID, c.card(d))
	if d.Urgent && d.ThreadID != "" {
		c.toRoom(t, "", c.alertReply(d, c.rt("case_room_new_urgent", "id", d.ID, "alias", c.alias(d))))
	}
	for _, e := range d.Transcript {
		c.toRoom(t, d.ThreadID, c.personLine(d, e))
	}
	return d, nil
}

// createTopic opens the case's topic, or returns "" to fall back to a plain card.
func (c *Cases) createTopic(ctx context.Context, cs *store.Case) string {
	if c.topics == nil || c.mods == nil || c.mods.Room.ChatID == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	thread, err := c.topics.CreateTopic(ctx, c.mods.Room.ChatID, c.topicName(cs))
	if err != nil {
		c.log.Warn("case topic not created; posting a plain card", "case_id", cs.ID, "err", err)
		return ""
	}
	return thread
}

// topicName is like "C-0042 · unpaid wages · TH · urgent".
func (c *Cases) topicName(cs *store.Case) string {
	parts := []string{cs.ID}
	if cs.Category != "" {
		parts = append(parts, c.rt("case_cat_"+cs.Category))
	}
	if cs.Country != "" {
		parts = append(parts, cs.Country)
	}
	if cs.Urgent {
		parts = append(parts, c.rt("case_topic_urgent"))
	}
	return strings.Join(parts, " · ")
}

// finishIntake records the answer about the name and tells the person
// their case number, when to expect an answer and how to stay safe.
func (c *Cases) finishIntake(t *Turn, share bool) error {
	id := t.Conv.Answers[ansCase]
	urgentMode := t.Conv.Answers[ansMode] == modeUrgent
	t.EndFlow()
	if id == "" {
		t.Say(t.T("stale_button"), t.MenuButton())
		return nil
	}
	name := strings.TrimSpace(t.Msg.UserName)
	cs, err := c.store.UpdateCase(id, func(cs *store.Case) error {
		if share {
			cs.ShareName, cs.SharedName = true, name
			cs.Log(t.Now, store.ActorPerson, "name_shared", "")
		}
		return nil
	})
	if store.IsNotFound(err) {
		t.Say(t.T("stale_button"), t.MenuButton())
		return nil
	}
	if err != nil {
		return err
	}
	if urgentMode {
		c.toRoom(t, cs.ThreadID, bot.Reply{Text: c.rt("case_room_intake", "id", cs.ID,
			"category", c.categoryName(c.roomLang, cs.Category), "country", countryName(c.rt, cs.Country))})
	}
	if share && cs.Status == store.CaseOpen {
		c.toRoom(t, cs.ThreadID, bot.Reply{Text: c.rt("case_room_name_shared", "id", cs.ID, "name", c.sharedName(cs))})
	}
	expect := t.T("case_expect_normal")
	if cs.Urgent {
		expect = t.T("case_expect_urgent")
	}
	t.Say(t.T("case_done", "id", cs.ID, "expect", expect)+"\n\n"+t.T("case_safety"),
		Button(t.T("case_contacts_button"), PayloadContacts), t.MenuButton())
	return nil
}

func (c *Cases) categoryName(lang, category string) string {
	if category == "" {
		return c.cat.T(lang, "not_set")
	}
	return c.cat.T(lang, "case_cat_"+category)
}

// openCaseOf returns the chat's open case, or nil.
func (c *Cases) openCaseOf(t *Turn) (*store.Case, error) {
	cs, err := c.store.CurrentCase(t.Msg.Channel, t.Msg.ChatID)
	if store.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cs.Status != store.CaseOpen {
		return nil, nil
	}
	return cs, nil
}

// capture takes what a person with an open case (or one a helper closed
// less than ReopenWindow ago) sends: it goes to the case and to the room.
// urgent marks the case urgent, after a crisis message.
func (c *Cases) capture(ctx context.Context, t *Turn, urgent bool) (bool, error) {
	e := personEntry(t)
	if e == nil {
		return false, nil
	}
	switch t.Conv.Flow {
	case "", flowCase, flowOnboard, flowProfile:
	default:
		if !urgent {
			return false, nil // another feature's flow is waiting for this text
		}
	}
	cs, err := c.store.CurrentCase(t.Msg.Channel, t.Msg.ChatID)
	if store.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if cs.Status != store.CaseOpen && !c.reopenable(cs, t.Now) {
		return false, nil
	}
	res, err := c.relayPerson(t, cs, []store.CaseEntry{*e}, urgent)
	if err != nil {
		return true, err
	}
	if res == nil {
		return false, nil
	}
	switch {
	case t.Conv.Flow == flowCase && t.Conv.Step == stepWords && t.Conv.Answers[ansCase] == res.cs.ID:
		c.askShare(t, true)
	case res.reopened:
		t.Say(t.T("case_reopened_by_you", "id", res.cs.ID))
	case res.ack:
		t.Say(t.T("case_sent", "id", res.cs.ID))
	}
	if res.newlyUrgent {
		t.Say(t.T("case_helper_alerted"))
	}
	return true, nil
}

func (c *Cases) reopenable(cs *store.Case, now time.Time) bool {
	return cs.Status == store.CaseClosed && !cs.ClosedByPerson && !cs.Erased && now.Sub(cs.ClosedAt) <= ReopenWindow
}

type relayed struct {
	cs                         *store.Case
	ack, reopened, newlyUrgent bool
}

// relayPerson adds the person's messages to the case, reopening it when
// that is allowed, and relays them to the room. It returns nil when the
// case can take nothing (closed meanwhile).
func (c *Cases) relayPerson(t *Turn, cs *store.Case, entries []store.CaseEntry, urgent bool) (*relayed, error) {
	res := &relayed{}
	errShut := errors.New("case shut")
	updated, err := c.store.UpdateCase(cs.ID, func(x *store.Case) error {
		if x.Status != store.CaseOpen {
			if !c.reopenable(x, t.Now) {
				return errShut
			}
			x.Status, x.ReopenedAt, x.Outcome, x.Acked = store.CaseOpen, t.Now, "", false
			x.Log(t.Now, store.ActorPerson, "reopened", "")
			res.reopened = true
		}
		x.Transcript = append(x.Transcript, entries...)
		x.LastPersonAt, x.Lang = t.Now, t.Lang
		if urgent && !x.Urgent {
			x.Urgent, x.UrgentAt, x.AnnouncedAt = true, t.Now, time.Time{}
			x.Log(t.Now, store.ActorSystem, "urgent", "crisis")
			res.newlyUrgent = true
		}
		res.ack = !x.Acked
		x.Acked = true
		return nil
	})
	if errors.Is(err, errShut) || store.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	res.cs = updated
	if res.reopened {
		c.log.Info("case reopened by the person", "case_id", updated.ID)
		c.toRoom(t, updated.ThreadID, bot.Reply{Text: c.rt("case_room_reopened", "id", updated.ID, "alias", c.alias(updated))})
	}
	if res.newlyUrgent {
		c.log.Info("case marked urgent after a crisis message", "case_id", updated.ID)
		c.toRoom(t, "", c.alertReply(updated, c.rt("case_room_crisis", "id", updated.ID, "alias", c.alias(updated))))
	}
	for _, e := range entries {
		c.toRoom(t, updated.ThreadID, c.personLine(updated, e))
	}
	return res, nil
}

// personLine is a person's message as moderators see it: "C-0042 ·
// alias: text", so a reply to it finds the case, in its topic or in the
// room's general chat (where it lands when the topic was deleted or
// closed).
func (c *Cases) personLine(cs *store.Case, e store.CaseEntry) bot.Reply {
	text := cs.ID + " · " + c.alias(cs) + ":"
	if e.Text != "" {
		text += " " + e.Text
	}
	return bot.Reply{Text: text, Media: botMedia(e.Media)}
}

// endByPerson closes the person's open case at their request.
func (c *Cases) endByPerson(t *Turn) error {
	cs, err := c.openCaseOf(t)
	if err != nil {
		return err
	}
	if cs == nil {
		t.Say(t.T("case_no_open"), t.MenuButton())
		return nil
	}
	closed, err := c.store.UpdateCase(cs.ID, func(x *store.Case) error {
		if x.Status != store.CaseOpen {
			return nil
		}
		x.Status, x.ClosedAt, x.Outcome, x.ClosedByPerson = store.CaseClosed, t.Now, outcomeByPerson, true
		x.Log(t.Now, store.ActorPerson, "closed", outcomeByPerson)
		return nil
	})
	if err != nil {
		return err
	}
	if t.Conv.Flow == flowCase {
		t.EndFlow()
	}
	c.log.Info("case closed by the person", "case_id", closed.ID)
	c.toRoom(t, closed.ThreadID, bot.Reply{Text: c.rt("case_room_closed_by_person", "id", closed.ID, "alias", c.alias(closed))})
	t.Say(t.T("case_closed_by_you", "id", closed.ID), t.MenuButton())
	return nil
}

// toPerson addresses a reply to the person of a case, as a helper's message.
func toPerson(cs *store.Case, r bot.Reply) bot.Envelope {
	return bot.Envelope{Channel: cs.Channel, ChatID: cs.ChatID, PersonID: cs.PersonID,
		Purpose: bot.PurposeModerator, Ref: caseRefPrefix + cs.ID, Reply: r}
}

// caseRefPrefix marks outgoing messages of a case ("case:C-0042").
const caseRefPrefix = "case:"

// pt is a text for the person of a case, in their language.
func (c *Cases) pt(cs *store.Case, key string, kv ...string) string {
	return c.cat.T(cs.Lang, key, kv...)
}

// rt is a text for moderators, in the room's language.
func (c *Cases) rt(key string, kv ...string) string { return c.cat.T(c.roomLang, key, kv...) }

// toRoom queues a reply to the moderators' room, in a topic when thread is set.
func (c *Cases) toRoom(t *Turn, thread string, r bot.Reply) {
	if e, ok := c.mods.RoomEnvelope(thread, r); ok {
		t.Queue(e)
	}
}

// alias is the case's pseudonym as moderators see it, like "Friend-7K2".
func (c *Cases) alias(cs *store.Case) string {
	if cs.Alias == "" {
		return "—"
	}
	return c.rt("case_alias", "alias", cs.Alias)
}

// sharedName is what moderators may see of the person's name.
func (c *Cases) sharedName(cs *store.Case) string {
	if !cs.ShareName {
		return c.rt("case_name_hidden")
	}
	if cs.SharedName == "" {
		return c.rt("case_name_none")
	}
	return cs.SharedName
}
