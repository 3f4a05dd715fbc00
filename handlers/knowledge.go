package handlers

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"phuan/bot"
	"phuan/knowledge"
	"phuan/store"
)

// Feedback records whether an article helped, for moderators' statistics.
type Feedback interface {
	RecordFeedback(articleID string, helpful bool) error
}

// Answers is the knowledge feature: free-text questions answered from the
// curated articles, topic browsing, read more, related topics and feedback.
// With a Model, answers to questions in private chats are written by a
// language model from the articles search found (see WithModel).
type Answers struct {
	kb       *knowledge.Base
	feedback Feedback
	model    *Model // nil: plain retrieval answers
	hist     *history
	log      *slog.Logger
}

// NewAnswers returns the knowledge feature.
func NewAnswers(kb *knowledge.Base, feedback Feedback) *Answers {
	return &Answers{kb: kb, feedback: feedback, log: slog.New(slog.DiscardHandler)}
}

// maxQueryRunes bounds what is searched: a question, not a pasted book.
const maxQueryRunes = 500

// Menu offers the topic list.
func (a *Answers) Menu(t *Turn) []bot.Button {
	return []bot.Button{{Label: t.T("menu_topics"), Payload: "kb:topics"}}
}

// Handle answers knowledge buttons, /ask and free-text questions.
func (a *Answers) Handle(ctx context.Context, t *Turn) (bool, error) {
	if p, ok := strings.CutPrefix(t.Msg.Payload, "kb:"); ok {
		return a.button(t, p)
	}
	if t.Msg.Payload != "" {
		return false, nil
	}
	question := t.Msg.Text
	switch {
	case t.Command == "ask" || t.Command == "topics":
		question = t.Args
		if t.Command == "topics" || question == "" {
			if t.Command == "ask" && question == "" {
				t.Say(t.T("kb_ask_usage"))
				return true, nil
			}
			a.topics(t)
			return true, nil
		}
	case t.Command != "":
		return false, nil
	}
	if strings.TrimSpace(question) == "" {
		return false, nil
	}
	if kind := smallTalk(question); kind != "" {
		if t.Msg.ChatType == bot.ChatGroup {
			t.Say(t.T("smalltalk_" + kind)) // no buttons in a group
		} else {
			t.Say(t.T("smalltalk_"+kind), t.MenuButton())
		}
		return true, nil
	}
	return a.answer(ctx, t, question), nil
}

func (a *Answers) button(t *Turn, p string) (bool, error) {
	action, arg, _ := strings.Cut(p, ":")
	switch action {
	case "topics":
		a.topics(t)
		return true, nil
	case "cat":
		return a.category(t, arg), nil
	case "more":
		return a.readMore(t, arg), nil
	case "yes", "no":
		art := a.kb.Article(arg)
		if art == nil {
			return false, nil
		}
		if a.feedback != nil {
			if err := a.feedback.RecordFeedback(art.ID, action == "yes"); err != nil {
				return true, fmt.Errorf("record feedback: %w", err)
			}
		}
		if action == "yes" {
			t.Say(t.T("kb_thanks_feedback"), t.MenuButton())
			return true, nil
		}
		t.Say(t.T("kb_unhelpful_reply"),
			Button(t.T("kb_talk_person"), "case:new"),
			Button(t.T("menu_topics"), "kb:topics"),
			t.MenuButton())
		return true, nil
	}
	if art := a.kb.Article(action); art != nil && arg == "" {
		a.show(t, art)
		return true, nil
	}
	return false, nil
}

// answer searches for the question and shows the best article, or says it
// is not sure and offers the topics and a person. With a model, the answer
// is written from the articles found, or an unplaced message is sorted;
// any failure of the model falls back to the plain answer.
func (a *Answers) answer(ctx context.Context, t *Turn, question string) bool {
	if r := []rune(question); len(r) > maxQueryRunes {
		question = string(r[:maxQueryRunes])
	}
	results := a.kb.Search(question, t.Lang, 3)
	confident := len(results) > 0 && results[0].Confident
	mayModel := a.modelMayAnswer(t, question)
	if mayModel {
		if confident && a.write(ctx, t, question, results) {
			return true
		}
		if !confident && a.classify(ctx, t, question) {
			return true
		}
	}
	if !confident {
		if t.Msg.ChatType == bot.ChatGroup {
			t.Say(t.T("kb_not_sure_group"))
			return true
		}
		t.Say(t.T("kb_not_sure"),
			Button(t.T("menu_topics"), "kb:topics"),
			Button(t.T("kb_talk_person"), "case:new"))
		return true
	}
	best := results[0].Article
	if t.Msg.ChatType == bot.ChatGroup {
		text := best.Text(t.Lang)
		t.Say(text.Title + "\n\n" + text.Summary)
		return true
	}
	a.showWith(t, best, othersOf(results))
	if mayModel { // never what the guard or a case kept from the model
		a.hist.add(t.Msg.ConversationKey(), t.Now, knowledge.Exchange{Question: redact(question, t, nil), Answer: best.Text(t.Lang).Title})
	}
	return true
}

// othersOf returns the confident results after the first.
func othersOf(results []knowledge.Result) []*knowledge.Article {
	var others []*knowledge.Article
	for _, r := range results[1:] {
		if r.Confident {
			others = append(others, r.Article)
		}
	}
	return others
}

// show displays an article's summary with its buttons.
func (a *Answers) show(t *Turn, art *knowledge.Article) { a.showWith(t, art, nil) }

func (a *Answers) showWith(t *Turn, art *knowledge.Article, others []*knowledge.Article) {
	text := art.Text(t.Lang)
	rows := [][]bot.Button{Button(t.T("kb_read_more"), "kb:more:"+art.ID)}
	for _, o := range others {
		rows = append(rows, Button("↪ "+o.Text(t.Lang).Title, "kb:"+o.ID))
	}
	rows = append(rows,
		[]bot.Button{{Label: t.T("kb_helpful"), Payload: "kb:yes:" + art.ID}, {Label: t.T("kb_unhelpful"), Payload: "kb:no:" + art.ID}},
		Button(t.T("kb_talk_person"), "case:new"),
		t.MenuButton())
	t.Say(text.Title+"\n\n"+text.Summary, rows...)
}

// readMore sends the whole body, its contacts and sources; the channel
// splits it to its length limit.
func (a *Answers) readMore(t *Turn, id string) bool {
	art := a.kb.Article(id)
	if art == nil {
		return false
	}
	text := art.Text(t.Lang)
	var b strings.Builder
	b.WriteString(text.Title)
	b.WriteString("\n\n")
	b.WriteString(text.Body)
	if len(art.Contacts) > 0 {
		b.WriteString("\n\n")
		b.WriteString(t.T("kb_contacts"))
		for _, c := range art.Contacts {
			b.WriteString("\n• ")
			b.WriteString(ContactLine(c, t.Lang))
			if c.Confirm {
				b.WriteString(" ")
				b.WriteString(t.T("kb_unconfirmed"))
			}
		}
	}
	var sources []string
	for _, s := range art.Sources {
		src := s.Title
		if s.Org != "" {
			src += " (" + s.Org + ")"
		}
		sources = append(sources, src)
	}
	b.WriteString("\n\n")
	b.WriteString(t.T("kb_sources", "sources", strings.Join(sources, "; "), "date", art.Reviewed))
	rows := [][]bot.Button{}
	for _, rid := range art.Related {
		if r := a.kb.Article(rid); r != nil {
			rows = append(rows, Button("↪ "+r.Text(t.Lang).Title, "kb:"+r.ID))
		}
	}
	rows = append(rows, Button(t.T("kb_talk_person"), "case:new"), t.MenuButton())
	t.Say(b.String(), rows...)
	return true
}

// ContactLine is one contact in the person's language: name, how to reach
// it and what it helps with.
func ContactLine(c knowledge.Contact, lang string) string {
	name := pick(c.Name, lang)
	var how []string
	for _, v := range []string{c.Phone, c.Address, c.Link} {
		if v != "" {
			how = append(how, v)
		}
	}
	line := name + ": " + strings.Join(how, " · ")
	if helps := pick(c.Helps, lang); helps != "" {
		line += " — " + helps
	}
	return line
}

// pick returns the text in lang, else Lao, else English.
func pick(m map[string]string, lang string) string {
	for _, l := range []string{lang, "lo", "en"} {
		if s := strings.TrimSpace(m[l]); s != "" {
			return s
		}
	}
	return ""
}

func (a *Answers) topics(t *Turn) {
	var rows [][]bot.Button
	for _, c := range a.kb.Categories() {
		rows = append(rows, Button(t.T("cat_"+c), "kb:cat:"+c))
	}
	t.Say(t.T("topics_title"), append(rows, t.MenuButton())...)
}

// category lists a category's articles, those for the person's situation first.
func (a *Answers) category(t *Turn, cat string) bool {
	rows := a.categoryRows(t, cat)
	if rows == nil {
		return false
	}
	rows = append(rows, Button(t.T("back"), "kb:topics"))
	t.Say(t.T("cat_"+cat), rows...)
	return true
}

// categoryRows is one button per article of a category, those for the
// person's situation first; nil for an empty category.
func (a *Answers) categoryRows(t *Turn, cat string) [][]bot.Button {
	arts := a.kb.ByCategory(cat)
	if len(arts) == 0 {
		return nil
	}
	var first, rest [][]bot.Button
	for _, art := range arts {
		row := Button(art.Text(t.Lang).Title, "kb:"+art.ID)
		if a.fits(t, art) {
			first = append(first, row)
		} else {
			rest = append(rest, row)
		}
	}
	return append(first, rest...)
}

// fits reports whether an article is for the person's country and status.
func (a *Answers) fits(t *Turn, art *knowledge.Article) bool {
	if t.Person == nil {
		return true
	}
	pr := t.Person.Profile
	country := pr.Country == "" || containsAny(art.Countries, "ALL", pr.Country)
	status := pr.Status == "" || containsAny(art.Audience, "all", string(pr.Status))
	return country && status
}

func containsAny(list []string, values ...string) bool {
	for _, x := range list {
		for _, v := range values {
			if strings.EqualFold(x, v) {
				return true
			}
		}
	}
	return false
}

// Writer writes answers from the articles search found, and sorts messages
// search could not place, with a language model; *knowledge.LLM is one.
type Writer interface {
	Answer(ctx context.Context, req knowledge.AnswerRequest) (knowledge.Answer, error)
	Classify(ctx context.Context, req knowledge.ClassifyRequest) (knowledge.Classification, error)
}

// Usage counts model calls per person per day for the daily cap;
// *store.Store is one.
type Usage interface {
	TakeLLMUsage(subject, day string, limit int) (bool, error)
}

// Model configures answers written by a language model.
type Model struct {
	Writer Writer
	// Usage and DailyCap cap the model calls of a person (or of a chat,
	// for someone without a profile) per day; past the cap, answers are
	// plain. No Usage or a cap of 0: no cap.
	Usage    Usage
	DailyCap int
	// Location is where days start for the cap (PHUAN_TIMEZONE); nil: UTC.
	Location *time.Location
	// Timeout bounds each call (the writer has its own too); 0: none here.
	Timeout time.Duration
	// Cases lets messages sent during a case's intake go to the model
	// (PHUAN_LLM_CASES); by default they never do.
	Cases bool
	// Guard, when set, checks a message again just before a call: one it
	// finds alarming never goes to the model. The crisis feature, which
	// runs first, normally took such a message already.
	Guard CrisisDetector
	// Typing, when set, shows a typing indicator in the chat while the
	// model writes; it must return when ctx ends.
	Typing  func(ctx context.Context, channel, chatID string)
	Metrics *bot.Metrics
	Logger  *slog.Logger
}

// WithModel has the answers to questions in private chats written by a
// language model from the articles found; nil (or a Model without a
// Writer) keeps plain retrieval answers. Call it before the dialogue
// starts. It returns a.
func (a *Answers) WithModel(m *Model) *Answers {
	if m == nil || m.Writer == nil {
		return a
	}
	a.model = m
	a.hist = newHistory()
	if m.Logger != nil {
		a.log = m.Logger.With("component", "llm")
	}
	for name, help := range map[string]string{
		"phuan_llm_calls_total":   "Language model calls by call (answer, classify) and result (ok or why it failed).",
		"phuan_llm_answers_total": "Questions the model answered: written, replaced (a fact not in the articles), not_answered.",
		"phuan_llm_skipped_total": "Questions not sent to the model: capped, crisis_guard, usage_error.",
		"phuan_llm_intents_total": "Messages the model classified, by intent.",
		"phuan_llm_danger_total":  "Emergency routes added on the model's word (danger in an answer, crisis intent).",
	} {
		m.Metrics.Describe(name, help)
	}
	return a
}

// Forget drops what is remembered in memory of a chat's last questions
// (the privacy feature may call it when a person erases their data).
func (a *Answers) Forget(channel, chatID string) {
	if a.hist != nil {
		a.hist.forget(bot.Message{Channel: channel, ChatID: chatID}.ConversationKey())
	}
}

// modelMayAnswer reports whether this turn may go to the model: a private
// chat, nothing said yet in the turn (a crisis reply would have been),
// not in a case's intake unless allowed, and not alarming to the guard.
func (a *Answers) modelMayAnswer(t *Turn, question string) bool {
	m := a.model
	if m == nil || t.Msg.ChatType != bot.ChatPrivate || len(t.out) > 0 {
		return false
	}
	switch t.Conv.Flow {
	case "":
	case flowCase:
		if !m.Cases {
			return false
		}
	default:
		return false
	}
	if m.Guard != nil && m.Guard.Detect(question).Crisis {
		m.Metrics.Inc("phuan_llm_skipped_total", "reason", "crisis_guard")
		return false
	}
	return true
}

// take counts one model call against the person's daily cap.
func (a *Answers) take(t *Turn) bool {
	m := a.model
	if m.Usage == nil {
		return true
	}
	loc := m.Location
	if loc == nil {
		loc = time.UTC
	}
	personID := ""
	if t.Person != nil {
		personID = t.Person.ID
	}
	ok, err := m.Usage.TakeLLMUsage(store.LLMSubject(personID, t.Msg.Channel, t.Msg.ChatID), t.Now.In(loc).Format(time.DateOnly), m.DailyCap)
	switch {
	case err != nil:
		a.log.Warn("model usage not counted; plain answer", "err", err)
		m.Metrics.Inc("phuan_llm_skipped_total", "reason", "usage_error")
		return false
	case !ok:
		m.Metrics.Inc("phuan_llm_skipped_total", "reason", "capped")
		return false
	}
	return true
}

// call runs fn with the call's deadline and the typing indicator, and
// counts and logs its result (never the texts).
func (a *Answers) call(ctx context.Context, t *Turn, name string, fn func(context.Context) error) error {
	m := a.model
	cancel := context.CancelFunc(func() {})
	if m.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, m.Timeout)
	}
	var typing sync.WaitGroup
	if m.Typing != nil {
		typing.Go(func() { m.Typing(ctx, t.Msg.Channel, t.Msg.ChatID) })
	}
	start := time.Now()
	err := fn(ctx)
	cancel()
	typing.Wait()
	result := "ok"
	if err != nil {
		result = knowledge.ModelErrorKind(err)
		a.log.Warn("model call failed; plain answer", "call", name, "reason", result,
			"duration_ms", time.Since(start).Milliseconds())
	} else {
		a.log.Debug("model call", "call", name, "duration_ms", time.Since(start).Milliseconds())
	}
	m.Metrics.Inc("phuan_llm_calls_total", "call", name, "result", result)
	return err
}

// write has the model answer from the results. It reports false, having
// said nothing, when the plain answer should be given instead.
func (a *Answers) write(ctx context.Context, t *Turn, question string, results []knowledge.Result) bool {
	if !a.take(t) {
		return false
	}
	// The best article and those that match nearly as well go to the
	// model, and the facts of its answer are checked against them.
	sent := []knowledge.Result{results[0]}
	arts := []*knowledge.Article{results[0].Article}
	for _, r := range results[1:] {
		if r.Confident || r.Score >= knowledge.ConfidenceThreshold {
			sent = append(sent, r)
			arts = append(arts, r.Article)
		}
	}
	key := t.Msg.ConversationKey()
	question = redact(question, t, arts)
	var ans knowledge.Answer
	err := a.call(ctx, t, "answer", func(ctx context.Context) error {
		var err error
		ans, err = a.model.Writer.Answer(ctx, knowledge.AnswerRequest{Question: question, Lang: t.Lang,
			Results: sent, History: a.hist.get(key, t.Now)})
		return err
	})
	if err != nil {
		return false
	}
	m := a.model
	if ans.Danger {
		m.Metrics.Inc("phuan_llm_danger_total")
		a.emergency(t)
	}
	best := results[0].Article
	switch bad := knowledge.Unsupported(ans.Text, arts); {
	case !ans.Answered:
		m.Metrics.Inc("phuan_llm_answers_total", "result", "not_answered")
		rows := [][]bot.Button{}
		for _, r := range results {
			if r.Confident {
				rows = append(rows, Button("↪ "+r.Article.Text(t.Lang).Title, "kb:"+r.ID))
			}
		}
		rows = append(rows, Button(t.T("menu_topics"), "kb:topics"), Button(t.T("kb_talk_person"), PayloadNewCase))
		t.Say(t.T("kb_llm_no_answer"), rows...)
	case len(bad) > 0:
		m.Metrics.Inc("phuan_llm_answers_total", "result", "replaced")
		a.log.Warn("model answer had facts not in the articles; replaced by the article summary",
			"unsupported", len(bad), "article", best.ID)
		a.showWith(t, best, othersOf(results))
		a.hist.add(key, t.Now, knowledge.Exchange{Question: question, Answer: best.Text(t.Lang).Title})
	default:
		m.Metrics.Inc("phuan_llm_answers_total", "result", "written")
		used := ans.Used
		if len(used) == 0 {
			used = []string{best.ID}
		}
		var rows [][]bot.Button
		for _, id := range used {
			if art := a.kb.Article(id); art != nil {
				rows = append(rows, Button("📖 "+art.Text(t.Lang).Title, "kb:more:"+id))
			}
		}
		rows = append(rows,
			[]bot.Button{{Label: t.T("kb_helpful"), Payload: "kb:yes:" + used[0]}, {Label: t.T("kb_unhelpful"), Payload: "kb:no:" + used[0]}},
			Button(t.T("kb_talk_person"), PayloadNewCase),
			t.MenuButton())
		t.Say(ans.Text+"\n\n"+t.T("kb_llm_note"), rows...)
		a.hist.add(key, t.Now, knowledge.Exchange{Question: question, Answer: ans.Text})
	}
	return true
}

// classify has the model sort a message search could not place. It
// reports false, having said nothing, when the plain "not sure" reply
// should be given. A crisis verdict adds the emergency route; the crisis
// feature has already answered any message it recognised.
func (a *Answers) classify(ctx context.Context, t *Turn, question string) bool {
	if !a.take(t) {
		return false
	}
	question = redact(question, t, nil)
	var c knowledge.Classification
	err := a.call(ctx, t, "classify", func(ctx context.Context) error {
		var err error
		c, err = a.model.Writer.Classify(ctx, knowledge.ClassifyRequest{Text: question, Lang: t.Lang})
		return err
	})
	if err != nil {
		return false
	}
	a.model.Metrics.Inc("phuan_llm_intents_total", "intent", c.Intent)
	switch c.Intent {
	case knowledge.IntentCrisis:
		a.model.Metrics.Inc("phuan_llm_danger_total")
		a.log.Info("model found danger the crisis lexicon did not", "channel", t.Msg.Channel)
		a.emergency(t)
		return true
	case knowledge.IntentPerson:
		t.Say(t.T("kb_llm_person"), Button(t.T("kb_talk_person"), PayloadNewCase), Button(t.T("menu_topics"), "kb:topics"), t.MenuButton())
		return true
	case knowledge.IntentGreeting:
		t.Say(t.T("kb_llm_greeting"), Button(t.T("menu_topics"), "kb:topics"), Button(t.T("kb_talk_person"), PayloadNewCase), t.MenuButton())
		return true
	case knowledge.IntentQuestion:
		rows := a.categoryRows(t, c.Topic)
		if c.Topic == "" || rows == nil {
			return false
		}
		rows = append(rows, Button(t.T("kb_talk_person"), PayloadNewCase), Button(t.T("menu_topics"), "kb:topics"))
		t.Say(t.T("kb_llm_topic")+"\n\n"+t.T("cat_"+c.Topic), rows...)
		return true
	}
	return false
}

// emergency shows the emergency numbers and offers a person now.
func (a *Answers) emergency(t *Turn) {
	art := a.kb.Article(knowledge.EmergencyArticleID)
	if art == nil {
		t.Say(t.T("kb_llm_person"), Button(t.T("kb_talk_person"), PayloadNewCase))
		return
	}
	text := art.Text(t.Lang)
	t.Say(text.Title+"\n\n"+text.Summary,
		Button(t.T("kb_talk_person"), PayloadNewCase),
		Button(t.T("kb_read_more"), "kb:more:"+art.ID))
}

var (
	emailRE  = regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`)
	handleRE = regexp.MustCompile(`@[A-Za-z0-9_]{3,}`)
	// longNumberRE is a phone, passport or account number: seven digits or
	// more, with separators.
	longNumberRE = regexp.MustCompile(`\+?[0-9໐-໙๐-๙](?:[ \-.()]?[0-9໐-໙๐-๙]){6,}`)
)

// redact removes from a question what could identify the person before it
// goes to the model: their name and platform ids, e-mail addresses,
// @handles, and long numbers (phone, passport, account) that are not in the
// articles.
func redact(text string, t *Turn, arts []*knowledge.Article) string {
	for _, id := range []string{t.Msg.UserID, t.Msg.ChatID} {
		if len(id) >= 5 {
			text = strings.ReplaceAll(text, id, "[id]")
		}
	}
	for _, part := range strings.Fields(t.Msg.UserName) {
		if len([]rune(part)) >= 3 {
			text = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(part)).ReplaceAllString(text, "[name]")
		}
	}
	text = emailRE.ReplaceAllString(text, "[email]")
	text = handleRE.ReplaceAllString(text, "[@]")
	return longNumberRE.ReplaceAllStringFunc(text, func(n string) string {
		if len(arts) > 0 && len(knowledge.Unsupported(n, arts)) == 0 {
			return n
		}
		return "[number]"
	})
}

// The history of a chat is kept in memory only, never in the store: the
// last historyTurns exchanges of at most historyChats chats, each dropped
// historyTTL after its last exchange.
const (
	historyChats = 2000
	historyTurns = 3
	historyTTL   = 30 * time.Minute
	historyRunes = 300
)

type history struct {
	mu    sync.Mutex
	chats map[string]*chatHistory
}

type chatHistory struct {
	ex []knowledge.Exchange
	at time.Time
}

func newHistory() *history { return &history{chats: map[string]*chatHistory{}} }

// get returns the chat's exchanges, oldest first, or nil when it lapsed.
func (h *history) get(key string, now time.Time) []knowledge.Exchange {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.chats[key]
	if c == nil {
		return nil
	}
	if now.Sub(c.at) > historyTTL {
		delete(h.chats, key)
		return nil
	}
	out := make([]knowledge.Exchange, len(c.ex))
	copy(out, c.ex)
	return out
}

func (h *history) add(key string, now time.Time, x knowledge.Exchange) {
	x.Question, x.Answer = capRunes(x.Question, historyRunes), capRunes(x.Answer, historyRunes)
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.chats[key]
	if c == nil || now.Sub(c.at) > historyTTL {
		if len(h.chats) >= historyChats {
			h.evict(now)
		}
		c = &chatHistory{}
		h.chats[key] = c
	}
	c.ex = append(c.ex, x)
	if len(c.ex) > historyTurns {
		c.ex = append(c.ex[:0], c.ex[len(c.ex)-historyTurns:]...)
	}
	c.at = now
}

// evict drops lapsed chats, or the oldest one when none has lapsed.
func (h *history) evict(now time.Time) {
	var oldest string
	for k, c := range h.chats {
		if now.Sub(c.at) > historyTTL {
			delete(h.chats, k)
			continue
		}
		if oldest == "" || c.at.Before(h.chats[oldest].at) {
			oldest = k
		}
	}
	if len(h.chats) >= historyChats {
		delete(h.chats, oldest)
	}
}

func (h *history) forget(key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.chats, key)
}

func (h *history) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.chats)
}

// capRunes keeps the first n runes of s.
func capRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}
