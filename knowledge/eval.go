package knowledge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// EvalCase is one question of the evaluation set, written the way people
// type, with the articles that answer it.
type EvalCase struct {
	Q    string   `json:"q"`
	Lang string   `json:"lang"` // lo, th, en or lo-Latn (romanised Lao)
	IDs  []string `json:"ids"`
}

// EvalStats are retrieval figures over a set of cases.
type EvalStats struct {
	N    int
	Top1 float64 // fraction whose first result answers it
	Top3 float64 // fraction with an answer in the first three
	MRR  float64 // mean reciprocal rank of the first answer (0 past EvalDepth)
	// Confident is the fraction whose first result answers it and is
	// Confident.
	Confident float64
}

// EvalMiss is a case whose first result does not answer it.
type EvalMiss struct {
	Case EvalCase
	Rank int      // of the first answer, 1-based; 0 when not in the first EvalDepth
	Got  []string // the ids found, best first
}

// EvalReport is the result of Evaluate.
type EvalReport struct {
	Overall EvalStats
	ByLang  map[string]EvalStats
	Misses  []EvalMiss
}

// EvalDepth is how many results Evaluate looks at.
const EvalDepth = 10

// Evaluate runs every case against b.
func Evaluate(b *Base, cases []EvalCase) EvalReport {
	rep := EvalReport{ByLang: map[string]EvalStats{}}
	add := func(s *EvalStats, rank int, confident bool) {
		s.N++
		if rank == 1 {
			s.Top1++
			if confident {
				s.Confident++
			}
		}
		if rank >= 1 && rank <= 3 {
			s.Top3++
		}
		if rank >= 1 {
			s.MRR += 1 / float64(rank)
		}
	}
	for _, c := range cases {
		res := b.Search(c.Q, c.Lang, EvalDepth)
		rank := 0
		got := make([]string, len(res))
		for i, r := range res {
			got[i] = r.ID
			if rank == 0 && slices.Contains(c.IDs, r.ID) {
				rank = i + 1
			}
		}
		confident := len(res) > 0 && res[0].Confident
		add(&rep.Overall, rank, confident)
		s := rep.ByLang[c.Lang]
		add(&s, rank, confident)
		rep.ByLang[c.Lang] = s
		if rank != 1 {
			rep.Misses = append(rep.Misses, EvalMiss{Case: c, Rank: rank, Got: got})
		}
	}
	rep.Overall.finish()
	for l, s := range rep.ByLang {
		s.finish()
		rep.ByLang[l] = s
	}
	return rep
}

func (s *EvalStats) finish() {
	if s.N == 0 {
		return
	}
	n := float64(s.N)
	s.Top1 /= n
	s.Top3 /= n
	s.MRR /= n
	s.Confident /= n
}

func (s EvalStats) String() string {
	return fmt.Sprintf("n=%d top1=%.3f top3=%.3f mrr=%.3f confident=%.3f", s.N, s.Top1, s.Top3, s.MRR, s.Confident)
}

// EvalSet returns the evaluation set built into the binary: the questions
// the keywords were chosen with.
func EvalSet() ([]EvalCase, error) {
	return ParseEvalSet(embeddedEvalSet)
}

// HeldOutSet returns the held-out questions built into the binary: written
// apart from the keywords and never used to choose them.
func HeldOutSet() ([]EvalCase, error) {
	return ParseEvalSet(embeddedHeldOut)
}

// ParseEvalSet decodes an evaluation set: a JSON array of EvalCase.
func ParseEvalSet(data []byte) ([]EvalCase, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var cases []EvalCase
	if err := dec.Decode(&cases); err != nil {
		return nil, fmt.Errorf("decoding evaluation set: %w", err)
	}
	for i, c := range cases {
		if c.Q == "" || len(c.IDs) == 0 {
			return nil, fmt.Errorf("evaluation case %d: needs q and ids", i+1)
		}
	}
	return cases, nil
}

// LatencyReport searches every query rounds times (at least once) in
// language lang and returns percentiles of the time one search takes.
func LatencyReport(b *Base, queries []string, lang string, rounds int) (p50, p95, p99 time.Duration) {
	rounds = max(rounds, 1)
	times := make([]time.Duration, 0, len(queries)*rounds)
	for range rounds {
		for _, q := range queries {
			start := time.Now()
			b.Search(q, lang, DefaultLimit)
			times = append(times, time.Since(start))
		}
	}
	if len(times) == 0 {
		return 0, 0, 0
	}
	slices.Sort(times)
	at := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	return at(0.50), at(0.95), at(0.99)
}
