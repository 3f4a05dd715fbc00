package knowledge

import (
	"slices"
	"sort"
	"testing"
)

// embeddedOrSkip returns the built-in knowledge base, skipping the test
// while there are no articles yet.
func embeddedOrSkip(t *testing.T) *Base {
	t.Helper()
	b, err := Embedded()
	if err != nil {
		t.Skipf("no embedded articles: %v", err)
	}
	return b
}

// TestEval measures retrieval on the evaluation set and fails when fewer
// than 90% of the questions have an answer in the first three results.
func TestEval(t *testing.T) {
	cases, err := EvalSet()
	if err != nil || len(cases) == 0 {
		t.Skipf("no evaluation set: %v", err)
	}
	checkRetrieval(t, cases, 0.9)
}

// TestHeldOut measures retrieval on the held-out questions, which no
// keyword was chosen for: a lower floor, and the figure to watch for how
// the bot does on phrasings nobody anticipated.
func TestHeldOut(t *testing.T) {
	cases, err := HeldOutSet()
	if err != nil || len(cases) == 0 {
		t.Fatalf("no held-out set: %v", err)
	}
	checkRetrieval(t, cases, 0.85)
}

func checkRetrieval(t *testing.T, cases []EvalCase, minTop3 float64) {
	t.Helper()
	b := embeddedOrSkip(t)
	for i, c := range cases {
		for _, id := range c.IDs {
			if b.Article(id) == nil {
				t.Errorf("case %d %q: no article %q", i+1, c.Q, id)
			}
		}
	}
	rep := Evaluate(b, cases)
	langs := make([]string, 0, len(rep.ByLang))
	for l := range rep.ByLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		t.Logf("%-8s %v", l, rep.ByLang[l])
	}
	t.Logf("%-8s %v", "overall", rep.Overall)
	for _, m := range rep.Misses {
		t.Logf("miss (rank %d) %s %q want %v got %v", m.Rank, m.Case.Lang, m.Case.Q, m.Case.IDs, m.Got[:min(3, len(m.Got))])
	}
	if rep.Overall.Top3 < minTop3 {
		t.Errorf("top-3 %.3f < %.2f", rep.Overall.Top3, minTop3)
	}
}

func TestEvaluate(t *testing.T) {
	b := testBase(t)
	rep := Evaluate(b, []EvalCase{
		{Q: "passport", Lang: "en", IDs: []string{"lost-documents"}},
		{Q: "ໂຮງໝໍ", Lang: "lo", IDs: []string{"health-care"}},
		{Q: "ໂຮງໝໍ", Lang: "lo", IDs: []string{"remittances"}}, // a miss
	})
	if rep.Overall.N != 3 || rep.ByLang["lo"].N != 2 || rep.ByLang["en"].Top1 != 1 {
		t.Errorf("report %+v", rep)
	}
	if rep.ByLang["lo"].Top1 != 0.5 || len(rep.Misses) != 1 || rep.Misses[0].Case.IDs[0] != "remittances" {
		t.Errorf("lo %+v misses %+v", rep.ByLang["lo"], rep.Misses)
	}
}

func TestParseEvalSet(t *testing.T) {
	if _, err := ParseEvalSet([]byte(`[{"q": "x", "lang": "en", "ids": ["a"]}]`)); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{`{}`, `[{"q": "x"}]`, `[{"q": "x", "ids": ["a"], "extra": 1}]`} {
		if _, err := ParseEvalSet([]byte(bad)); err == nil {
			t.Errorf("ParseEvalSet(%s): no error", bad)
		}
	}
}

// requiredIDs are the articles issue 3 asks for.
var requiredIDs = []string{
	"safe-migration", "job-offer-scams", "worker-rights-thailand", "worker-rights-korea", "unpaid-wages",
	"forced-labour", "emergency-help", "social-security", "health-care", "remittances", "lost-documents",
	"women-migrants", "fishing-seafood-workers", "returning-home", "skills-training", "job-matching",
	"small-business", "migrant-resource-centres", "migrants-day", "privacy", "talk-to-a-person",
}

// TestEmbedded checks the built-in articles: the required ones exist and
// lint finds no error.
func TestEmbedded(t *testing.T) {
	b := embeddedOrSkip(t)
	for _, id := range requiredIDs {
		if b.Article(id) == nil {
			t.Errorf("required article %q missing", id)
		}
	}
	var confirm int
	for _, p := range b.Lint() {
		switch p.Severity {
		case SeverityError:
			t.Errorf("%s: %s", p.ArticleID, p.Message)
		case SeverityConfirm:
			confirm++
		}
	}
	t.Logf("%d articles, %d items to confirm", len(b.Articles()), confirm)
	if len(b.EmergencyContacts("LA")) == 0 || len(b.EmergencyContacts("TH")) == 0 {
		t.Error("no emergency contacts for LA or TH")
	}
	if !slices.Contains(b.Categories(), CategoryRights) {
		t.Error("no rights category")
	}
}
