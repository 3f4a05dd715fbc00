package bench

import (
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"phuan/handlers/crisis"
	"phuan/knowledge"
)

// KBConfig configures KB.
type KBConfig struct {
	KBDir    string // the articles folder (PHUAN_KB_DIR); "" for the built-in ones
	Articles int    // the index is expanded to this many articles; default 500
	Rounds   int    // times each question is searched; default 50
	Progress io.Writer
}

// Retrieval is top-1, top-3 and mean reciprocal rank over a set of questions.
type Retrieval struct {
	N    int     `json:"n"`
	Top1 float64 `json:"top1"`
	Top3 float64 `json:"top3"`
	MRR  float64 `json:"mrr"`
}

// Detection is the crisis detector's recall and precision over a set.
type Detection struct {
	Crisis    int     `json:"crisis"`
	Ordinary  int     `json:"ordinary"`
	Recall    float64 `json:"recall"`
	Precision float64 `json:"precision"`
}

// KBReport is knowledge search speed and quality, and crisis detection.
type KBReport struct {
	Articles       int     `json:"articles"`
	SourceArticles int     `json:"source_articles"`
	BuildMs        float64 `json:"index_build_ms"`
	Rounds         int     `json:"rounds"`
	// Latency of one search on the expanded index, by the question's
	// language and "all".
	Latency map[string]Latency `json:"search_latency"`
	// Eval is retrieval quality on the real articles, by language and
	// "all", over the questions the keywords were chosen with; HeldOut over
	// questions no keyword was chosen for (knowledge.HeldOutSet).
	Eval    map[string]Retrieval `json:"eval"`
	HeldOut map[string]Retrieval `json:"heldout"`
	// Crisis is the detector's figures by language and "all", and the
	// latency of one detection; nil without an evaluation set.
	Crisis        map[string]Detection `json:"crisis,omitempty"`
	CrisisLatency *Latency             `json:"crisis_latency,omitempty"`
}

// KB measures search latency on the knowledge base expanded to
// cfg.Articles articles, and evaluates retrieval and crisis detection.
func KB(cfg KBConfig) (*KBReport, error) {
	if cfg.Articles <= 0 {
		cfg.Articles = 500
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 50
	}
	base, err := knowledge.Open(cfg.KBDir)
	if err != nil {
		return nil, err
	}
	cases, err := knowledge.EvalSet()
	if err != nil {
		return nil, err
	}
	heldOut, err := knowledge.HeldOutSet()
	if err != nil {
		return nil, err
	}
	rep := &KBReport{SourceArticles: len(base.Articles()), Rounds: cfg.Rounds, Latency: map[string]Latency{}}

	hide := startProgress(cfg.Progress, 250*time.Millisecond, func() string { return "kb: evaluating" })
	rep.Eval = evaluate(base, cases)
	rep.HeldOut = evaluate(base, heldOut)

	articles := expand(base.Articles(), cfg.Articles)
	start := time.Now()
	big := knowledge.New(articles)
	rep.BuildMs = ms(time.Since(start))
	rep.Articles = len(big.Articles())
	hide()

	byLang := map[string][]time.Duration{}
	var all []time.Duration
	total := cfg.Rounds * len(cases)
	var n atomic.Int64
	hide = startProgress(cfg.Progress, 250*time.Millisecond, func() string {
		return fmt.Sprintf("kb: searching %d/%d", n.Load(), total)
	})
	for _, c := range cases { // warm up: first searches fill pools and caches
		big.Search(c.Q, c.Lang, knowledge.DefaultLimit)
	}
	runtime.GC()
	for range cfg.Rounds {
		for _, c := range cases {
			t := time.Now()
			big.Search(c.Q, c.Lang, knowledge.DefaultLimit)
			d := time.Since(t)
			byLang[c.Lang] = append(byLang[c.Lang], d)
			all = append(all, d)
		}
		n.Add(int64(len(cases)))
	}
	hide()
	for lang, ds := range byLang {
		rep.Latency[lang] = Percentiles(ds)
	}
	rep.Latency["all"] = Percentiles(all)

	if set, err := crisis.EvalSet(); err == nil && len(set) > 0 {
		det := crisis.New()
		cr := crisis.Evaluate(det, set)
		rep.Crisis = map[string]Detection{"all": detection(cr.Overall)}
		for lang, s := range cr.ByLang {
			rep.Crisis[lang] = detection(s)
		}
		var ds []time.Duration
		for range cfg.Rounds {
			for _, c := range set {
				t := time.Now()
				det.Detect(c.Text)
				ds = append(ds, time.Since(t))
			}
		}
		l := Percentiles(ds)
		rep.CrisisLatency = &l
	}
	return rep, nil
}

// evaluate is retrieval on cases by language and "all".
func evaluate(base *knowledge.Base, cases []knowledge.EvalCase) map[string]Retrieval {
	ev := knowledge.Evaluate(base, cases)
	out := map[string]Retrieval{"all": retrieval(ev.Overall)}
	for lang, s := range ev.ByLang {
		out[lang] = retrieval(s)
	}
	return out
}

func retrieval(s knowledge.EvalStats) Retrieval {
	return Retrieval{N: s.N, Top1: round3(s.Top1), Top3: round3(s.Top3), MRR: round3(s.MRR)}
}

func detection(s crisis.Stats) Detection {
	return Detection{Crisis: s.Crisis, Ordinary: s.Ordinary, Recall: round3(s.Recall), Precision: round3(s.Precision)}
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// expand grows articles to n: each clone of a real article gets a new id
// and its words shuffled and mixed with half of another article's, so the
// index holds n distinct documents in the knowledge base's vocabulary.
func expand(seed []*knowledge.Article, n int) []*knowledge.Article {
	out := slices.Clone(seed)
	if len(seed) == 0 {
		return out
	}
	rng := rand.New(rand.NewPCG(1, 2))
	shuffle := func(s, mix string) string {
		words := strings.Fields(s)
		extra := strings.Fields(mix)
		words = append(words, extra[:len(extra)/2]...)
		rng.Shuffle(len(words), func(i, j int) { words[i], words[j] = words[j], words[i] })
		return strings.Join(words, " ")
	}
	for i := len(seed); i < n; i++ {
		src, other := seed[i%len(seed)], seed[rng.IntN(len(seed))]
		c := *src
		c.ID = fmt.Sprintf("%s-%03d", src.ID, i)
		c.Lang = map[string]*knowledge.Text{}
		for l, t := range src.Lang {
			if t == nil {
				continue
			}
			mix := ""
			if o := other.Lang[l]; o != nil {
				mix = o.Body
			}
			c.Lang[l] = &knowledge.Text{Title: t.Title, Summary: shuffle(t.Summary, ""), Body: shuffle(t.Body, mix), Keywords: t.Keywords}
		}
		out = append(out, &c)
	}
	return out
}

// WriteTable prints the report for people.
func (r *KBReport) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "knowledge search: %d articles (%d real, expanded), index built in %.1f ms, each question searched %d times\n\n",
		r.Articles, r.SourceArticles, r.BuildMs, r.Rounds)
	t := newTable(w)
	t.row("lang", "questions", "top-1", "top-3", "MRR", "p50 µs", "p95 µs", "p99 µs", "max µs")
	for _, l := range langOrder(r.Eval) {
		e, lat := r.Eval[l], r.Latency[l]
		t.row(l, e.N, e.Top1, e.Top3, e.MRR, lat.P50ms*1000, lat.P95ms*1000, lat.P99ms*1000, lat.MaxMs*1000)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nheld-out questions (no keyword chosen for them)")
	t = newTable(w)
	t.row("lang", "questions", "top-1", "top-3", "MRR")
	for _, l := range langOrder(r.HeldOut) {
		e := r.HeldOut[l]
		t.row(l, e.N, e.Top1, e.Top3, e.MRR)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if r.Crisis == nil {
		_, err := fmt.Fprintln(w, "\ncrisis detector: no evaluation set")
		return err
	}
	fmt.Fprintln(w, "\ncrisis detector")
	t = newTable(w)
	t.row("lang", "crisis", "ordinary", "recall", "precision")
	for _, l := range langOrder(r.Crisis) {
		d := r.Crisis[l]
		t.row(l, d.Crisis, d.Ordinary, d.Recall, d.Precision)
	}
	if err := t.flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "detection latency: p50 %.0f µs, p99 %.0f µs\n", r.CrisisLatency.P50ms*1000, r.CrisisLatency.P99ms*1000)
	return err
}

// langOrder is the languages of a per-language table, sorted, "all" last.
func langOrder[V any](m map[string]V) []string {
	keys := slices.Sorted(maps.Keys(m))
	if i := slices.Index(keys, "all"); i >= 0 {
		keys = append(slices.Delete(keys, i, i+1), "all")
	}
	return keys
}
