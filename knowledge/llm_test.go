package knowledge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// fakeModel is an OpenAI-compatible server that answers every request with
// a recorded response from testdata/llm and keeps the request bodies.
type fakeModel struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	paths  []string
	status int
	file   string
	block  bool          // wait until the request's context ends
	ended  chan struct{} // closed when a blocked request ended
}

func newFakeModel(t *testing.T, file string) *fakeModel {
	t.Helper()
	f := &fakeModel{file: file, status: http.StatusOK, ended: make(chan struct{})}
	var once sync.Once
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.paths = append(f.paths, r.URL.Path)
		status, file, block := f.status, f.file, f.block
		f.mu.Unlock()
		if block {
			<-r.Context().Done()
			once.Do(func() { close(f.ended) })
			return
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "llm", file))
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

func (f *fakeModel) requests() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bodies)
}

func newTestLLM(t *testing.T, f *fakeModel, timeout time.Duration) *LLM {
	t.Helper()
	l, err := NewLLM(LLMConfig{BaseURL: f.srv.URL + "/v1", APIKey: "sk-test", Model: "qwen2.5:7b-instruct", Timeout: timeout, MaxAnswer: 600})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// sharedBase loads the embedded articles once for the model tests; a Base
// is immutable.
var sharedBase = sync.OnceValues(Embedded)

func embedded(t *testing.T) *Base {
	t.Helper()
	b, err := sharedBase()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLLMAnswerRequestCarriesArticlesAndAsksForJSON(t *testing.T) {
	kb := embedded(t)
	f := newFakeModel(t, "answer_unpaid_wages.json")
	l := newTestLLM(t, f, 5*time.Second)
	results := kb.Search("ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ", "lo", 3)
	if len(results) == 0 || results[0].ID != "unpaid-wages" {
		t.Fatalf("search: %+v", results)
	}
	ans, err := l.Answer(t.Context(), AnswerRequest{Question: "ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ", Lang: "lo", Results: results,
		History: []Exchange{{Question: "ສະບາຍດີ", Answer: "ສະບາຍດີ"}}})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 || f.paths[0] != "/v1/chat/completions" {
		t.Fatalf("requests %d to %v", len(reqs), f.paths)
	}
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal(reqs[0], &req); err != nil {
		t.Fatal(err)
	}
	if req.Model != "qwen2.5:7b-instruct" || req.ResponseFormat == nil || req.ResponseFormat.Type != "json_object" ||
		req.Temperature == 0 || req.MaxTokens == 0 || len(req.Messages) != 2 || req.User != "" {
		t.Fatalf("request settings: model %q format %+v temperature %v max %d messages %d user %q",
			req.Model, req.ResponseFormat, req.Temperature, req.MaxTokens, len(req.Messages), req.User)
	}
	if !strings.Contains(req.Messages[0].Content, "Lao") || !strings.Contains(req.Messages[0].Content, "JSON") {
		t.Errorf("system prompt lacks the language or JSON:\n%s", req.Messages[0].Content)
	}
	user := req.Messages[1].Content
	art := kb.Article("unpaid-wages")
	for _, want := range []string{"[article id=unpaid-wages]", art.Text("lo").Title, art.Text("lo").Summary, "1577-0071",
		"ນາຍຈ້າງບໍ່ຈ່າຍເງິນເດືອນ", "Person: ສະບາຍດີ"} {
		if !strings.Contains(user, want) {
			t.Errorf("prompt lacks %q", want)
		}
	}
	if strings.Contains(user, art.Text("en").Summary) {
		t.Error("prompt carries the English text of a Lao question")
	}
	if !ans.Answered || !slices.Equal(ans.Used, []string{"unpaid-wages", "minimum-wage-thailand"}) && !slices.Equal(ans.Used, []string{"unpaid-wages"}) {
		t.Errorf("answer %+v", ans)
	}
	for _, id := range ans.Used {
		if !slices.ContainsFunc(results, func(r Result) bool { return r.ID == id }) {
			t.Errorf("used id %q was not retrieved", id)
		}
	}
	if bad := Unsupported(ans.Text, []*Article{results[0].Article}); len(bad) != 0 {
		t.Errorf("recorded answer flagged: %q", bad)
	}
}

func TestLLMReasoningModelsGetNoTemperature(t *testing.T) {
	f := newFakeModel(t, "answer_unpaid_wages.json")
	l, err := NewLLM(LLMConfig{BaseURL: f.srv.URL, Model: "openai/gpt-5-mini"})
	if err != nil {
		t.Fatal(err)
	}
	kb := embedded(t)
	if _, err := l.Answer(t.Context(), AnswerRequest{Question: "unpaid wages", Results: kb.Search("unpaid wages", "en", 2)}); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	json.Unmarshal(f.requests()[0], &raw)
	if _, ok := raw["temperature"]; ok {
		t.Errorf("temperature sent to a reasoning model: %v", raw["temperature"])
	}
	if _, ok := raw["max_tokens"]; ok {
		t.Errorf("max_tokens sent to a reasoning model")
	}
}

func TestLLMParsesFencedAndLooseJSON(t *testing.T) {
	kb := embedded(t)
	f := newFakeModel(t, "answer_fenced_think.json")
	l := newTestLLM(t, f, 5*time.Second)
	results := kb.Search("unpaid wages", "en", 3)
	ans, err := l.Answer(t.Context(), AnswerRequest{Question: "unpaid wages", Lang: "en", Results: results})
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Answered || !slices.Equal(ans.Used, []string{"unpaid-wages"}) || !strings.HasPrefix(ans.Text, "In Thailand call 1546") {
		t.Fatalf("answer %+v", ans)
	}
}

func TestLLMNotAnswered(t *testing.T) {
	kb := embedded(t)
	f := newFakeModel(t, "answer_not_answered.json")
	l := newTestLLM(t, f, 5*time.Second)
	ans, err := l.Answer(t.Context(), AnswerRequest{Question: "x", Results: kb.Search("unpaid wages", "en", 3)})
	if err != nil || ans.Answered || len(ans.Used) != 0 {
		t.Fatalf("answer %+v, %v", ans, err)
	}
}

func TestLLMFailuresAreClassifiedWithinTheDeadline(t *testing.T) {
	kb := embedded(t)
	results := kb.Search("unpaid wages", "en", 3)
	for _, c := range []struct {
		name, file string
		status     int
		block      bool
		want       error
	}{
		{"timeout", "", 200, true, ErrModelTimeout},
		{"429", "error_429.json", http.StatusTooManyRequests, false, ErrModelRateLimited},
		{"500", "error_500.json", http.StatusInternalServerError, false, ErrModelServer},
		{"502 html", "garbage_body.txt", http.StatusBadGateway, false, ErrModelServer},
		{"401", "error_500.json", http.StatusUnauthorized, false, ErrModelRefused},
		{"garbage body", "garbage_body.txt", 200, false, ErrModelMalformed},
		{"garbage content", "garbage_content.json", 200, false, ErrModelMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFakeModel(t, c.file)
			f.status, f.block = c.status, c.block
			l := newTestLLM(t, f, 200*time.Millisecond)
			_, err := l.Answer(t.Context(), AnswerRequest{Question: "unpaid wages", Results: results})
			if !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
			if strings.Contains(err.Error(), "unexpectedly stopped") || strings.Contains(err.Error(), "Rate limit reached") {
				t.Errorf("error carries the server's message: %v", err)
			}
			if c.block {
				select {
				case <-f.ended:
				case <-time.After(10 * time.Second):
					t.Fatal("the blocked request was never cancelled")
				}
				if !errors.Is(err, context.DeadlineExceeded) || ModelErrorKind(err) != "timeout" {
					t.Errorf("timeout error %v kind %s", err, ModelErrorKind(err))
				}
			}
		})
	}
}

func TestLLMClassify(t *testing.T) {
	for _, c := range []struct {
		file          string
		intent, topic string
	}{
		{"classify_crisis.json", IntentCrisis, ""},
		{"classify_question_money.json", IntentQuestion, CategoryMoney},
		{"classify_greeting.json", IntentGreeting, ""},
		{"classify_person.json", IntentPerson, ""},
		{"classify_unknown.json", IntentOther, ""},
	} {
		f := newFakeModel(t, c.file)
		l := newTestLLM(t, f, 5*time.Second)
		got, err := l.Classify(t.Context(), ClassifyRequest{Text: "hello there", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Intent != c.intent || got.Topic != c.topic {
			t.Errorf("%s: got %+v", c.file, got)
		}
		if body := string(f.requests()[0]); !strings.Contains(body, "hello there") || !strings.Contains(body, "crisis") {
			t.Errorf("classification request: %s", body)
		}
	}
}

func TestUnsupportedFacts(t *testing.T) {
	kb := embedded(t)
	arts := []*Article{kb.Article("unpaid-wages"), kb.Article("worker-rights-thailand")}
	for _, c := range []struct {
		text string
		bad  []string
	}{
		{"In Korea call 1577-0071 or 15770071 or 1577 0071.", nil},
		{"ຢູ່ໄທ ໂທ ໑໕໔໖ ຫຼື ๑๕๐๖", nil},
		{"The minimum wage is 337–400 baht a day; overtime 1.5 times.", nil},
		{"Social security: up to 1600 baht, or 1,600 baht.", nil},
		{"Call 191, 1300 or 1546.", nil},
		{"Since 1 January 2025.", nil},
		{"Follow these 3 steps.", nil},
		{"See https://english.gg.go.kr/ or english.gg.go.kr or write to laoembassy.seoul@gmail.com.", nil},
		{"Call 1555-0199 now.", []string{"1555-0199"}},
		{"You must get 5,500 baht.", []string{"5,500"}},
		{"They keep 7% of your pay.", []string{"7"}},
		{"Pay is 2 ລ້ານ or 9 baht.", []string{"9"}},
		{"Call 1577-0072.", []string{"1577-0072"}},
		{"Apply at https://thai-labour-help.com/complaint today.", []string{"https://thai-labour-help.com/complaint"}},
		{"Visit gg.go.kr.evil.com", []string{"gg.go.kr.evil.com"}},
		{"Write to help@fake-embassy.org", []string{"help@fake-embassy.org"}},
		{"Deadline: 31/12/2026.", []string{"31/12/2026"}},
	} {
		got := Unsupported(c.text, arts)
		if !slices.Equal(got, c.bad) {
			t.Errorf("Unsupported(%q) = %q, want %q", c.text, got, c.bad)
		}
	}
}

func TestPassagesPickTheRelevantParagraphs(t *testing.T) {
	kb := embedded(t)
	body := kb.Article("unpaid-wages").Text("en").Body
	ps := Passages(body, "Korea 1350 interpreter", 400)
	if len(ps) == 0 || !strings.Contains(strings.Join(ps, "\n"), "1350") {
		t.Fatalf("passages %q", ps)
	}
	if n := len([]rune(strings.Join(ps, ""))); n > 400 {
		t.Errorf("%d runes, want at most 400", n)
	}
	lo := Passages(kb.Article("unpaid-wages").Text("lo").Body, "ເກົາຫຼີ", 600)
	if len(lo) == 0 || !strings.Contains(strings.Join(lo, "\n"), "1577-0071") {
		t.Fatalf("Lao passages %q", lo)
	}
	if got := Passages(body, "zzqx", 100); len(got) != 1 {
		t.Errorf("no match should give the first paragraph: %q", got)
	}
}

func TestCutRunes(t *testing.T) {
	s := strings.Repeat("ສະບາຍດີ ", 50)
	got := cutRunes(s, 100)
	if n := len([]rune(got)); n > 100 || !strings.HasSuffix(got, "…") || strings.Contains(got, "ດ…") && !strings.HasSuffix(got, "ດີ…") {
		t.Fatalf("cut to %d runes: %q", n, got)
	}
	if cutRunes("short", 100) != "short" {
		t.Fatal("short text changed")
	}
}

func TestClientConfigDialects(t *testing.T) {
	for _, c := range []struct {
		url, base string
		azure     bool
		version   string
	}{
		{"", "https://api.openai.com/v1", false, ""},
		{"http://localhost:11434/v1/", "http://localhost:11434/v1", false, ""},
		{"https://phuan.openai.azure.com", "https://phuan.openai.azure.com", true, azureAPIVersion},
		{"https://phuan.openai.azure.com/openai?api-version=2025-01-01-preview", "https://phuan.openai.azure.com", true, "2025-01-01-preview"},
		{"https://phuan.openai.azure.com/openai/v1", "https://phuan.openai.azure.com/openai/v1", false, ""},
	} {
		cfg, err := clientConfig(c.url, "k")
		if err != nil {
			t.Fatal(err)
		}
		if cfg.BaseURL != c.base || (cfg.APIType == openai.APITypeAzure) != c.azure || cfg.APIVersion != c.version {
			t.Errorf("%q: base %q type %s version %q", c.url, cfg.BaseURL, cfg.APIType, cfg.APIVersion)
		}
	}
	if _, err := clientConfig("localhost:11434", ""); err == nil {
		t.Error("a base URL without scheme was accepted")
	}
	if _, err := NewLLM(LLMConfig{BaseURL: "http://x"}); err == nil {
		t.Error("no model name was accepted")
	}
}

func TestLLMWorksWithServersWithoutJSONMode(t *testing.T) {
	kb := embedded(t)
	var mu sync.Mutex
	var formats []bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		json.NewDecoder(r.Body).Decode(&req)
		_, withFormat := req["response_format"]
		mu.Lock()
		formats = append(formats, withFormat)
		mu.Unlock()
		file, status := "answer_fenced_think.json", http.StatusOK
		if withFormat {
			file, status = "error_400_response_format.json", http.StatusBadRequest
		}
		raw, _ := os.ReadFile(filepath.Join("testdata", "llm", file))
		w.WriteHeader(status)
		w.Write(raw)
	}))
	t.Cleanup(srv.Close)
	l, err := NewLLM(LLMConfig{BaseURL: srv.URL + "/v1", Model: "local-model", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	results := kb.Search("unpaid wages", "en", 3)
	for range 2 {
		ans, err := l.Answer(t.Context(), AnswerRequest{Question: "unpaid wages", Lang: "en", Results: results})
		if err != nil || !ans.Answered {
			t.Fatalf("answer %+v, %v", ans, err)
		}
	}
	if !slices.Equal(formats, []bool{true, false, false}) {
		t.Fatalf("response_format sent %v, want once then never", formats)
	}
}
