package handlers

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

func newKBHarness(t *testing.T) (*harness, *knowledge.Base) {
	t.Helper()
	kb, err := knowledge.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	h.d.features = []Feature{NewAnswers(kb, h.store)}
	return h, kb
}

func TestQuestionGetsArticleSummaryInPersonsLanguage(t *testing.T) {
	h, kb := newKBHarness(t)
	h.say("ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ")
	want := kb.Article("unpaid-wages").Text("lo")
	if !strings.HasPrefix(h.text(), want.Title+"\n\n"+want.Summary) {
		t.Fatalf("answer:\n%s", h.text())
	}
	payloads := map[string]bool{}
	for _, row := range h.last[0].Reply.Buttons {
		for _, b := range row {
			payloads[b.Payload] = true
		}
	}
	for _, p := range []string{"kb:more:unpaid-wages", "kb:yes:unpaid-wages", "kb:no:unpaid-wages", "case:new", "menu"} {
		if !payloads[p] {
			t.Errorf("answer lacks button %q", p)
		}
	}
}

func TestUnsureAnswerOffersTopicsAndPerson(t *testing.T) {
	h, _ := newKBHarness(t)
	h.say("zzqx blorf")
	if !strings.Contains(h.text(), h.d.cat.T("lo", "kb_not_sure")) {
		t.Fatalf("got %s", h.text())
	}
	if h.button(1).Payload != "kb:topics" || h.button(2).Payload != "case:new" {
		t.Fatalf("buttons %+v", h.last[0].Reply.Buttons)
	}
}

func TestReadMoreHasBodyContactsAndSources(t *testing.T) {
	h, kb := newKBHarness(t)
	h.send(bot.Message{ID: "r", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate,
		Payload: "kb:more:emergency-help", LanguageCode: "en"})
	art := kb.Article("emergency-help")
	text := h.text()
	if !strings.Contains(text, art.Text("en").Body[:50]) || !strings.Contains(text, art.Reviewed) {
		t.Fatalf("read more lacks body or review date:\n%s", text)
	}
	if !strings.Contains(text, "191") {
		t.Errorf("emergency help lacks Thai police 191:\n%s", text)
	}
}

func TestFeedbackIsCountedAndUnhelpfulOffersPerson(t *testing.T) {
	h, _ := newKBHarness(t)
	h.send(bot.Message{ID: "y", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "kb:yes:remittances"})
	h.send(bot.Message{ID: "n", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "kb:no:remittances"})
	if h.button(1).Payload != "case:new" {
		t.Fatalf("not helpful should offer a person first: %+v", h.last[0].Reply.Buttons)
	}
	fb, err := h.store.Feedback()
	if err != nil || len(fb) != 1 || fb[0].Helpful != 1 || fb[0].Unhelpful != 1 {
		t.Fatalf("feedback %+v %v", fb, err)
	}
	h.send(bot.Message{ID: "f", Channel: "console", ChatID: "u1", UserID: "u1", ChatType: bot.ChatPrivate, Payload: "kb:no:not-an-article"})
	if !strings.Contains(h.text(), h.d.cat.T("lo", "stale_button")) {
		t.Fatalf("forged article id: %s", h.text())
	}
}

func TestBrowseTopics(t *testing.T) {
	h, kb := newKBHarness(t)
	h.say("/menu")
	if h.button(1).Payload != "kb:topics" {
		t.Fatalf("menu does not start with topics: %+v", h.last[0].Reply.Buttons)
	}
	h.say("#1")
	if got := len(h.last[0].Reply.Buttons); got != len(kb.Categories())+1 {
		t.Fatalf("%d topic buttons for %d categories", got, len(kb.Categories()))
	}
	h.say("#1")
	first := h.button(1).Payload
	h.say("#1")
	if !strings.HasPrefix(first, "kb:") || !strings.Contains(h.text(), kb.Article(strings.TrimPrefix(first, "kb:")).Text("lo").Summary) {
		t.Fatalf("article from topic list: %s", h.text())
	}
}

func TestGroupAnswerIsShortAndHasNoButtons(t *testing.T) {
	h, _ := newKBHarness(t)
	out := h.send(bot.Message{ID: "g", Channel: "console", ChatID: "-7", ChatType: bot.ChatGroup, UserID: "u9",
		Text: "/ask how to send money home"})
	if len(out) != 1 || len(out[0].Reply.Buttons) != 0 || !out[0].Group {
		t.Fatalf("group answer %+v", out)
	}
	out = h.send(bot.Message{ID: "g2", Channel: "console", ChatID: "-7", ChatType: bot.ChatGroup, UserID: "u9", Text: "/ask"})
	if len(out) != 1 || !strings.Contains(out[0].Reply.Text, "/ask") {
		t.Fatalf("empty /ask: %+v", out)
	}
	out = h.send(bot.Message{ID: "g3", Channel: "console", ChatID: "-7", ChatType: bot.ChatGroup, UserID: "u9", Text: "/ask thanks"})
	if len(out) != 1 || len(out[0].Reply.Buttons) != 0 || out[0].Reply.Text != h.d.cat.T("lo", "smalltalk_thanks") {
		t.Fatalf("thanks in a group: %+v", out)
	}
}

// Answers written by a language model, against an OpenAI-compatible
// httptest server that replays responses recorded in
// knowledge/testdata/llm.

// fakeLLM records request bodies and answers with a recorded response.
type fakeLLM struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []string
	file   string
	status int
	block  bool
	ended  chan struct{} // receives when a blocked request ended
}

func newFakeLLM(t *testing.T, file string) *fakeLLM {
	t.Helper()
	f := &fakeLLM{file: file, status: http.StatusOK, ended: make(chan struct{}, 8)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, string(body))
		file, status, block := f.file, f.status, f.block
		f.mu.Unlock()
		if block {
			<-r.Context().Done()
			f.ended <- struct{}{}
			return
		}
		raw, err := os.ReadFile(filepath.Join("..", "knowledge", "testdata", "llm", file))
		if err != nil {
			t.Errorf("recorded response: %v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(raw)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeLLM) set(file string, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.file, f.status = file, status
}

func (f *fakeLLM) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bodies)
}

// sharedKB loads the embedded articles once for these tests; a Base is immutable.
var sharedKB = sync.OnceValues(knowledge.Embedded)

const (
	platformID = "738204519"
	userName   = "Somchai Phommavong"
)

type modelHarness struct {
	*harness
	kb    *knowledge.Base
	fake  *fakeLLM
	model *Model
	ans   *Answers
}

// newModelHarness has Answers with a model behind features (which run first).
func newModelHarness(t *testing.T, file string, features ...Feature) *modelHarness {
	t.Helper()
	kb, err := sharedKB()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t)
	f := newFakeLLM(t, file)
	llm, err := knowledge.NewLLM(knowledge.LLMConfig{BaseURL: f.srv.URL + "/v1", APIKey: "sk-test", Model: "test-model",
		Timeout: 5 * time.Second, MaxAnswer: 900})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Vientiane")
	if err != nil {
		t.Fatal(err)
	}
	m := &Model{Writer: llm, Usage: h.store, DailyCap: 30, Location: loc, Timeout: 5 * time.Second, Metrics: bot.NewMetrics()}
	ans := NewAnswers(kb, h.store).WithModel(m)
	h.d.features = append(features, ans)
	return &modelHarness{harness: h, kb: kb, fake: f, model: m, ans: ans}
}

// ask sends a private message from the person with a platform id and a name.
func (h *modelHarness) ask(text string) []bot.Envelope {
	h.t.Helper()
	h.n++
	return h.send(bot.Message{ID: strconv.Itoa(h.n), Channel: "console", ChatID: platformID, UserID: platformID,
		UserName: userName, ChatType: bot.ChatPrivate, Text: text, LanguageCode: "lo", Time: h.clock.t})
}

func (h *modelHarness) addPerson() {
	h.t.Helper()
	err := h.store.CreatePerson(&store.Person{Lang: "lo", Source: "poster_vte_2026",
		Profile:   store.Profile{Country: "TH", Status: store.StatusAbroad, Province: "XS"},
		ConsentAt: h.clock.t, CreatedAt: h.clock.t, LastSeenAt: h.clock.t},
		store.Identity{Channel: "console", PlatformID: platformID})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *modelHarness) plainAnswer(id string) string {
	text := h.kb.Article(id).Text("lo")
	return text.Title + "\n\n" + text.Summary
}

func buttonPayloads(e bot.Envelope) map[string]bool {
	out := map[string]bool{}
	for _, row := range e.Reply.Buttons {
		for _, b := range row {
			out[b.Payload] = true
		}
	}
	return out
}

const wagesQuestion = "ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ"

func TestModelAnswerFromArticlesCarriesNoIdentifiers(t *testing.T) {
	h := newModelHarness(t, "answer_unpaid_wages.json")
	h.addPerson()
	out := h.ask(wagesQuestion + " ຂ້ອຍ Somchai ໂທ 020 5555 1234 somchai.p@gmail.com")
	reqs := h.fake.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests to the model", len(reqs))
	}
	body := reqs[0]
	art := h.kb.Article("unpaid-wages").Text("lo")
	for _, want := range []string{"unpaid-wages", jsonText(art.Title), jsonText(art.Summary), jsonText(wagesQuestion), "[name]", "[number]", "[email]"} {
		if !strings.Contains(body, want) {
			t.Errorf("request lacks %q", want)
		}
	}
	for _, secret := range []string{platformID, "Somchai", "Phommavong", "5555", "somchai.p", "poster_vte_2026", `"XS"`, "abroad", `"user":`} {
		if strings.Contains(body, secret) {
			t.Errorf("request carries %q", secret)
		}
	}
	if len(out) != 1 {
		t.Fatalf("%d replies", len(out))
	}
	text := out[0].Reply.Text
	if !strings.HasPrefix(text, "ຖ້ານາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ") || !strings.Contains(text, h.d.cat.T("lo", "kb_llm_note")) {
		t.Fatalf("answer:\n%s", text)
	}
	p := buttonPayloads(out[0])
	for _, want := range []string{"kb:more:unpaid-wages", "kb:yes:unpaid-wages", "kb:no:unpaid-wages", "case:new", "menu"} {
		if !p[want] {
			t.Errorf("answer lacks button %q: %+v", want, out[0].Reply.Buttons)
		}
	}
	if p["kb:more:made-up-article"] {
		t.Error("an article id the model made up became a button")
	}
	if n := h.model.Metrics.Value("phuan_llm_answers_total", "result", "written"); n != 1 {
		t.Errorf("written answers %d", n)
	}
	if n := h.model.Metrics.Value("phuan_llm_calls_total", "call", "answer", "result", "ok"); n != 1 {
		t.Errorf("ok calls %d", n)
	}
}

// jsonText is s as it appears inside a JSON string.
func jsonText(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

func TestModelGetsRecentTurnsFromMemoryOnly(t *testing.T) {
	h := newModelHarness(t, "answer_unpaid_wages.json")
	h.ask(wagesQuestion)
	h.ask("ຄ່າແຮງຂັ້ນຕ່ຳໃນໄທ")
	reqs := h.fake.requests()
	if len(reqs) != 2 || !strings.Contains(reqs[1], "CONVERSATION SO FAR") || !strings.Contains(reqs[1], "Person: "+jsonText(wagesQuestion)) {
		t.Fatalf("second request lacks the first question:\n%s", reqs[len(reqs)-1])
	}
	if strings.Contains(reqs[0], "CONVERSATION SO FAR") {
		t.Error("first request has a history")
	}
	h.clock.t = h.clock.t.Add(historyTTL + time.Minute)
	h.ask(wagesQuestion)
	if reqs := h.fake.requests(); strings.Contains(reqs[2], "CONVERSATION SO FAR") {
		t.Error("history outlived its expiry")
	}
	raw, err := os.ReadFile(h.store.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), wagesQuestion) || strings.Contains(string(raw), "ຄ່າແຮງຂັ້ນຕ່ຳໃນໄທ") {
		t.Fatal("a question was written to the store")
	}
	h.ans.Forget("console", platformID)
	if h.ans.hist.len() != 0 {
		t.Fatal("Forget kept the chat")
	}
}

func TestModelMadeUpFactsAreReplacedBySummary(t *testing.T) {
	for _, c := range []struct{ file, fact string }{
		{"answer_made_up_phone.json", "1555-0199"},
		{"answer_made_up_amount.json", "5,500"},
		{"answer_made_up_link.json", "thai-labour-help.com"},
	} {
		t.Run(c.file, func(t *testing.T) {
			h := newModelHarness(t, c.file)
			out := h.ask(wagesQuestion)
			if len(h.fake.requests()) != 1 {
				t.Fatal("the model was not asked")
			}
			if len(out) != 1 || !strings.HasPrefix(out[0].Reply.Text, h.plainAnswer("unpaid-wages")) || strings.Contains(out[0].Reply.Text, c.fact) {
				t.Fatalf("made-up %s not replaced:\n%s", c.fact, h.text())
			}
			if !buttonPayloads(out[0])["kb:more:unpaid-wages"] {
				t.Errorf("replacement lacks its buttons: %+v", out[0].Reply.Buttons)
			}
			if n := h.model.Metrics.Value("phuan_llm_answers_total", "result", "replaced"); n != 1 {
				t.Errorf("replaced %d", n)
			}
		})
	}
}

func TestModelFailuresFallBackToPlainAnswer(t *testing.T) {
	for _, c := range []struct {
		name, file string
		status     int
		block      bool
		reason     string
	}{
		{"timeout", "", 200, true, "timeout"},
		{"429", "error_429.json", http.StatusTooManyRequests, false, "rate_limited"},
		{"500", "error_500.json", http.StatusInternalServerError, false, "server"},
		{"garbage body", "garbage_body.txt", 200, false, "malformed"},
		{"garbage content", "garbage_content.json", 200, false, "malformed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newModelHarness(t, c.file)
			h.fake.set(c.file, c.status)
			h.fake.block = c.block
			h.model.Timeout = 300 * time.Millisecond
			var out []bot.Envelope
			done := make(chan struct{})
			go func() {
				defer close(done)
				var err error
				out, err = h.d.Handle(context.Background(), bot.Message{ID: "1", Channel: "console", ChatID: platformID,
					UserID: platformID, ChatType: bot.ChatPrivate, Text: wagesQuestion})
				if err != nil {
					t.Error(err)
				}
			}()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("no answer: the call's deadline did not end it")
			}
			if c.block {
				select {
				case <-h.fake.ended:
				case <-time.After(10 * time.Second):
					t.Fatal("the blocked request was never cancelled")
				}
			}
			if len(out) != 1 || !strings.HasPrefix(out[0].Reply.Text, h.plainAnswer("unpaid-wages")) {
				t.Fatalf("no plain answer after %s: %+v", c.name, out)
			}
			if n := h.model.Metrics.Value("phuan_llm_calls_total", "call", "answer", "result", c.reason); n != 1 {
				t.Errorf("calls with result %s: %d", c.reason, n)
			}
		})
	}
}

func TestModelDailyCapPerPersonInLocalDays(t *testing.T) {
	h := newModelHarness(t, "answer_unpaid_wages.json")
	h.model.DailyCap = 2
	h.clock.t = time.Date(2026, 11, 22, 16, 50, 0, 0, time.UTC) // 23:50 in Vientiane
	for range 3 {
		h.ask(wagesQuestion)
	}
	if n := len(h.fake.requests()); n != 2 {
		t.Fatalf("%d model calls, want 2", n)
	}
	if !strings.HasPrefix(h.text(), h.plainAnswer("unpaid-wages")) {
		t.Fatalf("capped answer is not the plain one:\n%s", h.text())
	}
	if n := h.model.Metrics.Value("phuan_llm_skipped_total", "reason", "capped"); n != 1 {
		t.Errorf("capped %d", n)
	}
	h.clock.t = h.clock.t.Add(20 * time.Minute) // 00:10 the next day in Vientiane, still the 22nd in UTC
	h.ask(wagesQuestion)
	if n := len(h.fake.requests()); n != 3 {
		t.Fatalf("the cap did not reset at local midnight: %d calls", n)
	}
}

// crisisFirst stands for crisis detection, which runs first: it takes any
// message with "help me" or ຊ່ວຍແດ່ and answers with emergency numbers.
type crisisFirst struct{ takes bool }

func (crisisFirst) Menu(*Turn) []bot.Button { return nil }

func (c crisisFirst) Handle(_ context.Context, t *Turn) (bool, error) {
	if strings.Contains(t.Msg.Text, "help me") || strings.Contains(t.Msg.Text, "ຊ່ວຍແດ່") {
		t.Say("emergency numbers")
		return c.takes, nil
	}
	return false, nil
}

type alarmed struct{}

func (alarmed) Detect(text string) crisis.Detection {
	return crisis.Detection{Crisis: strings.Contains(text, "ຖືກຂັງ")}
}

func TestCrisisNeverReachesTheModel(t *testing.T) {
	for _, takes := range []bool{true, false} {
		h := newModelHarness(t, "answer_unpaid_wages.json", crisisFirst{takes: takes})
		h.addPerson()
		out := h.ask("ຊ່ວຍແດ່ " + wagesQuestion)
		if n := len(h.fake.requests()); n != 0 {
			t.Fatalf("crisis feature takes=%v: the model got %d requests", takes, n)
		}
		if out[0].Reply.Text != "emergency numbers" {
			t.Fatalf("crisis reply not first: %+v", out)
		}
		h.ask(wagesQuestion)
		if reqs := h.fake.requests(); len(reqs) != 1 || strings.Contains(reqs[0], jsonText("ຊ່ວຍແດ່")) {
			t.Fatalf("the crisis message reached the model later, in the history: %q", reqs)
		}
	}
	// The guard checks again just before a call.
	h := newModelHarness(t, "answer_unpaid_wages.json")
	h.model.Guard = alarmed{}
	h.ask(wagesQuestion + " ຖືກຂັງ")
	if n := len(h.fake.requests()); n != 0 {
		t.Fatalf("guarded message reached the model: %d", n)
	}
	if n := h.model.Metrics.Value("phuan_llm_skipped_total", "reason", "crisis_guard"); n != 1 {
		t.Errorf("crisis_guard %d", n)
	}
	h.ask(wagesQuestion)
	if reqs := h.fake.requests(); len(reqs) != 1 || strings.Contains(reqs[0], jsonText("ຖືກຂັງ")) {
		t.Fatalf("guard blocked a plain question, or let the guarded one into the history: %q", reqs)
	}
}

func TestModelNotAnsweredOffersTopicsAndPerson(t *testing.T) {
	h := newModelHarness(t, "answer_not_answered.json")
	out := h.ask(wagesQuestion)
	if len(out) != 1 || out[0].Reply.Text != h.d.cat.T("lo", "kb_llm_no_answer") {
		t.Fatalf("reply %+v", out)
	}
	p := buttonPayloads(out[0])
	if !p["kb:topics"] || !p["case:new"] || !p["kb:unpaid-wages"] {
		t.Fatalf("buttons %+v", out[0].Reply.Buttons)
	}
	if strings.Contains(h.text(), "ຂ້ອຍບໍ່ມີຂໍ້ມູນເລື່ອງນີ້") {
		t.Error("the model's own words were shown")
	}
}

func TestModelDangerAddsEmergencyRouteFirst(t *testing.T) {
	h := newModelHarness(t, "answer_danger.json")
	out := h.ask(wagesQuestion)
	if len(out) != 2 || !strings.HasPrefix(out[0].Reply.Text, h.plainAnswer(knowledge.EmergencyArticleID)) || !buttonPayloads(out[0])["case:new"] {
		t.Fatalf("emergency route not first: %s", h.text())
	}
	if !strings.HasPrefix(out[1].Reply.Text, "ຖ້າທ່ານຢູ່ໃນອັນຕະລາຍ ໃຫ້ໂທ 1300") {
		t.Fatalf("answer not after it: %s", out[1].Reply.Text)
	}
}

func TestModelClassifiesWhatSearchCannotPlace(t *testing.T) {
	const unplaced = "zzqx blorf"
	for _, c := range []struct {
		file, text, payload string
	}{
		{"classify_crisis.json", "", "case:new"},
		{"classify_person.json", "kb_llm_person", "case:new"},
		{"classify_greeting.json", "kb_llm_greeting", "kb:topics"},
		{"classify_question_money.json", "kb_llm_topic", "kb:remittances"},
		{"classify_unknown.json", "kb_not_sure", "kb:topics"},
	} {
		t.Run(c.file, func(t *testing.T) {
			h := newModelHarness(t, c.file)
			out := h.ask(unplaced + " " + userName)
			reqs := h.fake.requests()
			if len(reqs) != 1 || strings.Contains(reqs[0], "Somchai") || !strings.Contains(reqs[0], unplaced) {
				t.Fatalf("classification requests %q", reqs)
			}
			want := h.plainAnswer(knowledge.EmergencyArticleID)
			if c.text != "" {
				want = h.d.cat.T("lo", c.text)
			}
			if len(out) != 1 || !strings.HasPrefix(out[0].Reply.Text, want) || !buttonPayloads(out[0])[c.payload] {
				t.Fatalf("reply %+v", out)
			}
		})
	}
}

func TestModelOnlyInPrivateChatsOutsideCases(t *testing.T) {
	h := newModelHarness(t, "answer_unpaid_wages.json")
	h.send(bot.Message{ID: "g", Channel: "console", ChatID: "-7", ChatType: bot.ChatGroup, UserID: platformID,
		Text: "/ask " + wagesQuestion})
	if n := len(h.fake.requests()); n != 0 {
		t.Fatalf("a group question reached the model")
	}
	conv, err := h.store.Conversation("console", platformID, h.clock.t)
	if err != nil {
		t.Fatal(err)
	}
	conv.Flow, conv.Step, conv.Expires = flowCase, stepWords, h.clock.t.Add(time.Hour)
	if err := h.store.SaveConversation(conv); err != nil {
		t.Fatal(err)
	}
	h.ask(wagesQuestion)
	if n := len(h.fake.requests()); n != 0 {
		t.Fatalf("a case conversation reached the model")
	}
	if !strings.HasPrefix(h.text(), h.plainAnswer("unpaid-wages")) {
		t.Fatalf("plain answer expected in a case: %s", h.text())
	}
	h.model.Cases = true
	h.ask(wagesQuestion)
	if n := len(h.fake.requests()); n != 1 {
		t.Fatalf("PHUAN_LLM_CASES did not let the case conversation through")
	}
}

func TestModelShowsTypingWhileWriting(t *testing.T) {
	h := newModelHarness(t, "answer_unpaid_wages.json")
	var mu sync.Mutex
	var chats []string
	h.model.Typing = func(ctx context.Context, channel, chatID string) {
		mu.Lock()
		chats = append(chats, channel+":"+chatID)
		mu.Unlock()
		<-ctx.Done() // an indicator that lasts until the answer is ready
	}
	h.ask(wagesQuestion)
	if len(chats) != 1 || chats[0] != "console:"+platformID {
		t.Fatalf("typing shown in %v", chats)
	}
}

func TestWithoutModelAnswersStayPlain(t *testing.T) {
	kb, err := sharedKB()
	if err != nil {
		t.Fatal(err)
	}
	a := NewAnswers(kb, nil)
	if a.WithModel(nil) != a || a.model != nil || a.WithModel(&Model{}).model != nil {
		t.Fatal("WithModel without a writer changed the feature")
	}
}

func TestHistoryIsBounded(t *testing.T) {
	h := newHistory()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range historyChats + 50 {
		h.add(strconv.Itoa(i), now.Add(time.Duration(i)*time.Second), knowledge.Exchange{Question: strings.Repeat("ກ", 1000), Answer: "a"})
	}
	if n := h.len(); n > historyChats {
		t.Fatalf("%d chats remembered", n)
	}
	if h.get("0", now.Add(time.Hour)) != nil {
		t.Error("the oldest chat was not evicted")
	}
	for i := range 10 {
		h.add("x", now, knowledge.Exchange{Question: strconv.Itoa(i)})
	}
	got := h.get("x", now)
	if len(got) != historyTurns || got[len(got)-1].Question != "9" {
		t.Fatalf("turns %+v", got)
	}
	last := strconv.Itoa(historyChats + 49)
	if x := h.get(last, now.Add(time.Duration(historyChats+49)*time.Second)); len(x) != 1 || len([]rune(x[0].Question)) != historyRunes {
		t.Fatalf("long question kept as %d runes", len([]rune(x[0].Question)))
	}
}
