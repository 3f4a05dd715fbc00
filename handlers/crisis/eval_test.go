package crisis

import (
	"slices"
	"testing"
)

func TestEvaluation(t *testing.T) {
	cases, err := EvalSet()
	if err != nil {
		t.Fatal(err)
	}
	rep := Evaluate(testDetector(), cases)
	t.Logf("overall: %v", rep.Overall)
	langs := make([]string, 0, len(rep.ByLang))
	for l := range rep.ByLang {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		t.Logf("%-7s: %v", l, rep.ByLang[l])
	}
	for _, m := range rep.Misses {
		kind := "false alarm"
		if m.Case.Crisis {
			kind = "missed"
		}
		t.Logf("%s [%s]: %q → %v", kind, m.Case.Lang, m.Case.Text, m.Got.Categories)
	}
	if rep.Overall.Recall < 0.95 {
		t.Errorf("recall %.3f < 0.95", rep.Overall.Recall)
	}
	if rep.Overall.Precision < 0.75 {
		t.Errorf("precision %.3f < 0.75", rep.Overall.Precision)
	}
}
