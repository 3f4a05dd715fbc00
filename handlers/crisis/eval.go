package crisis

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

// Case is one message of the evaluation set, written the way people type,
// with whether it signals a crisis and of which kinds.
type Case struct {
	Text       string     `json:"text"`
	Lang       string     `json:"lang"` // lo, th, en or lo-Latn (romanised Lao)
	Crisis     bool       `json:"crisis"`
	Categories []Category `json:"categories,omitempty"`
}

// Stats are detection figures over a set of cases.
type Stats struct {
	Crisis, Ordinary int // cases of each kind
	TP, FP, FN       int // true positives, false alarms, missed crises
	Recall           float64
	Precision        float64
	// CategoryHit is the fraction of detected crises whose categories
	// include one of those expected.
	CategoryHit float64
	catHits     int
}

func (s Stats) String() string {
	return fmt.Sprintf("crisis=%d ordinary=%d recall=%.3f precision=%.3f missed=%d false_alarms=%d category_hit=%.3f",
		s.Crisis, s.Ordinary, s.Recall, s.Precision, s.FN, s.FP, s.CategoryHit)
}

// Miss is a case the detector got wrong.
type Miss struct {
	Case Case
	Got  Detection
}

// Report is the result of Evaluate.
type Report struct {
	Overall Stats
	ByLang  map[string]Stats
	Misses  []Miss // missed crises and false alarms, in set order
}

// Evaluate runs every case through d.
func Evaluate(d *Detector, cases []Case) Report {
	rep := Report{ByLang: map[string]Stats{}}
	for _, c := range cases {
		got := d.Detect(c.Text)
		catHit := got.Crisis && slices.ContainsFunc(c.Categories, func(x Category) bool { return slices.Contains(got.Categories, x) })
		s := rep.ByLang[c.Lang]
		for _, st := range []*Stats{&rep.Overall, &s} {
			st.add(c, got, catHit)
		}
		rep.ByLang[c.Lang] = s
		if got.Crisis != c.Crisis {
			rep.Misses = append(rep.Misses, Miss{Case: c, Got: got})
		}
	}
	rep.Overall.finish()
	for l, s := range rep.ByLang {
		s.finish()
		rep.ByLang[l] = s
	}
	return rep
}

func (s *Stats) add(c Case, got Detection, catHit bool) {
	if c.Crisis {
		s.Crisis++
	} else {
		s.Ordinary++
	}
	switch {
	case c.Crisis && got.Crisis:
		s.TP++
		if catHit || len(c.Categories) == 0 {
			s.catHits++
		}
	case c.Crisis:
		s.FN++
	case got.Crisis:
		s.FP++
	}
}

func (s *Stats) finish() {
	if s.TP+s.FN > 0 {
		s.Recall = float64(s.TP) / float64(s.TP+s.FN)
	}
	s.Precision = 1
	if s.TP+s.FP > 0 {
		s.Precision = float64(s.TP) / float64(s.TP+s.FP)
	}
	if s.TP > 0 {
		s.CategoryHit = float64(s.catHits) / float64(s.TP)
	}
}

//go:embed testdata/eval.json
var evalSet []byte

// EvalSet returns the evaluation set built into the binary.
func EvalSet() ([]Case, error) {
	dec := json.NewDecoder(bytes.NewReader(evalSet))
	dec.DisallowUnknownFields()
	var cases []Case
	if err := dec.Decode(&cases); err != nil {
		return nil, fmt.Errorf("decoding crisis evaluation set: %w", err)
	}
	known := map[Category]bool{}
	for _, c := range categories {
		known[c] = true
	}
	for i, c := range cases {
		if c.Text == "" || c.Lang == "" {
			return nil, fmt.Errorf("crisis evaluation case %d: needs text and lang", i+1)
		}
		for _, cat := range c.Categories {
			if !known[cat] {
				return nil, fmt.Errorf("crisis evaluation case %d: unknown category %q", i+1, cat)
			}
		}
	}
	return cases, nil
}
