package knowledge

import (
	"math"
	"slices"
	"strings"
)

// Ranking is BM25F (Robertson and Zaragoza): an article is one document
// whose fields are title, keywords, summary and body in each language
// (contacts count as body). A term's frequency in each field is divided by
// that field's length normalisation 1 − b + b·len/avglen, weighted by the
// field's weight, and summed over fields into tf; the term then adds
// idf · tf / (k1 + tf). Field weights favour title and keywords over
// summary over body, and the query's language over the others.
//
// A query token can have several alternative terms (a word and its
// romanisation skeleton, or the skeleton of it joined to its neighbour; a
// Lao or Thai bigram and the same bigram in the other script); the token
// adds its best alternative, the fuzzy ones at a discount. Every span of
// the query that is a whole keyword or title of some article (a phrase
// term) is one more token.
const (
	bm25K1 = 1.2
	bm25B  = 0.75

	weightTitle    = 2.5
	weightKeywords = 2.5
	weightSummary  = 1.5
	weightBody     = 1.0
	otherLangBoost = 0.6 // fields in a language other than the query's

	altSkeleton = 0.6 // a skeleton (romanised spelling) match, relative to an exact one
	altCross    = 0.5 // a Thai token matching Lao text, or the reverse

	// unknownWordWeight and unknownBigramWeight scale the idf charged, in
	// the normalisation, for a query token the index has never seen (that of
	// a term seen once). A word nobody wrote about is a whole word of the
	// question left unanswered; a Lao or Thai bigram is often made across
	// a word boundary and unknown for that reason alone, so it costs less.
	unknownWordWeight   = 1.0
	unknownBigramWeight = 0.5
)

// Confidence. Score is normalised BM25F: the sum, over query tokens, of the
// token's best w · idf · tf/(k1+tf) for this article (w is the discount of
// a fuzzy alternative), divided by the sum over tokens of the most each
// could add, max w · idf (an unknown token is charged the idf of a term
// seen once, a Lao or Thai bigram half of it). It is in [0, 1): 1 would
// mean every query token, weighted by how rare it is, matches strongly, 0
// that nothing matches. So it combines the fraction of the query the
// article covers with how strongly it covers it.
//
// A question the articles do not answer still shares common words with
// many of them ("how", "I", "today"): its best Score can reach 0.3, but
// the next articles score nearly as much. So the first result is
// Confident when its Score is at least ConfidenceThreshold and either at
// least StrongScore or ahead of the second by a margin (the second scores
// at most MarginRatio of it); a later result is Confident from StrongScore.
// Below that the bot says it is not sure and offers the topic menu and a
// person. The values come from the evaluation set and off-topic questions
// (TestEval, TestOffTopic).
const (
	ConfidenceThreshold = 0.30
	StrongScore         = 0.45
	MarginRatio         = 0.85
)

// Field slots: language slot × 4 + field.
const (
	fieldTitle = iota
	fieldKeywords
	fieldSummary
	fieldBody
	numFields
)

const (
	slotLao = iota
	slotThai
	slotEnglish
	slotOther
	numSlots
	numFieldSlots = numSlots * numFields
)

var fieldWeights = [numFields]float64{weightTitle, weightKeywords, weightSummary, weightBody}

func langSlot(lang string) int {
	switch baseLang(lang) {
	case LangLao:
		return slotLao
	case LangThai:
		return slotThai
	case LangEnglish:
		return slotEnglish
	}
	return slotOther
}

type posting struct {
	doc   uint32
	field uint8
	tf    float32 // term frequency / field length normalisation
}

type index struct {
	n         int
	terms     map[string]uint32
	idf       []float64 // by term id
	off       []uint32  // postings of term t: post[off[t]:off[t+1]]
	post      []posting
	idfSeen1  float64 // the idf of a term in one document
	maxPhrase int     // the longest phrase key, in bytes
	weights   [numSlots + 1][numFieldSlots]float64
}

func idf(n, df int) float64 {
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

// docText yields the text of each field slot of an article; phrase is set
// for keywords and titles, which are also phrase terms.
func docText(a *Article, fn func(slot int, text string, phrase bool)) {
	for lang, t := range a.Lang {
		if t == nil {
			continue
		}
		s := langSlot(lang) * numFields
		fn(s+fieldTitle, t.Title, true)
		for _, k := range t.Keywords {
			fn(s+fieldKeywords, k, true)
		}
		fn(s+fieldSummary, t.Summary, false)
		fn(s+fieldBody, t.Body, false)
	}
	for _, c := range a.Contacts {
		for lang, name := range c.Name {
			fn(langSlot(lang)*numFields+fieldBody, name, false)
		}
		for lang, helps := range c.Helps {
			fn(langSlot(lang)*numFields+fieldBody, helps, false)
		}
	}
	// The id's words ("unpaid-wages") are English keywords.
	fn(slotEnglish*numFields+fieldKeywords, strings.ReplaceAll(a.ID, "-", " "), false)
}

func buildIndex(articles []*Article) *index {
	type tfKey struct {
		term  uint32
		field uint8
	}
	type docTerm struct {
		tfKey
		n int32
	}
	ix := &index{n: len(articles), terms: make(map[string]uint32)}
	var (
		a       analyzer
		lens    = make([][numFieldSlots]float64, len(articles))
		docs    = make([][]docTerm, len(articles)) // by doc, sorted by term then field
		counts  = make(map[tfKey]int32)
		df      []int
		lastDoc []int // by term: the last doc counted in df
		avg     [numFieldSlots]float64
		nonzero [numFieldSlots]int
	)
	for d, art := range articles {
		clear(counts)
		docText(art, func(slot int, text string, phrase bool) {
			a.reset()
			a.add(Normalize(text), phrase)
			lens[d][slot] += float64(len(a.terms))
			if n := len(a.ptoks); phrase && n <= maxPhraseTokens && n > 0 && a.phraseWorthy(0, n) {
				exact := a.phraseKey([]byte{kindPhrase}, 0, n, false)
				a.emit(-1, kindPhrase, exact[1:])
				ix.maxPhrase = max(ix.maxPhrase, len(exact))
				if skel := a.phraseKey([]byte{kindPhraseSkeleton}, 0, n, true); string(skel[1:]) != string(exact[1:]) {
					a.emit(-1, kindPhraseSkeleton, skel[1:])
					ix.maxPhrase = max(ix.maxPhrase, len(skel))
				}
			}
			for _, t := range a.terms {
				k := a.key(t)
				id, ok := ix.terms[string(k)]
				if !ok {
					id = uint32(len(df))
					ix.terms[string(k)] = id
					df = append(df, 0)
					lastDoc = append(lastDoc, -1)
				}
				if lastDoc[id] != d {
					lastDoc[id] = d
					df[id]++
				}
				counts[tfKey{id, uint8(slot)}]++
			}
		})
		dt := make([]docTerm, 0, len(counts))
		for k, n := range counts {
			dt = append(dt, docTerm{k, n})
		}
		slices.SortFunc(dt, func(x, y docTerm) int {
			if x.term != y.term {
				return int(x.term) - int(y.term)
			}
			return int(x.field) - int(y.field)
		})
		docs[d] = dt
		for s, l := range lens[d] {
			if l > 0 {
				avg[s] += l
				nonzero[s]++
			}
		}
	}
	for s := range avg {
		if nonzero[s] > 0 {
			avg[s] /= float64(nonzero[s])
		}
	}
	// Postings, grouped by term, in document order.
	ix.off = make([]uint32, len(df)+1)
	for _, dt := range docs {
		for _, x := range dt {
			ix.off[x.term+1]++
		}
	}
	for t := 1; t < len(ix.off); t++ {
		ix.off[t] += ix.off[t-1]
	}
	ix.post = make([]posting, ix.off[len(df)])
	fill := slices.Clone(ix.off[:len(df)])
	for d, dt := range docs {
		for _, x := range dt {
			norm := 1 - bm25B + bm25B*lens[d][x.field]/avg[x.field]
			ix.post[fill[x.term]] = posting{doc: uint32(d), field: x.field, tf: float32(float64(x.n) / norm)}
			fill[x.term]++
		}
	}
	ix.idf = make([]float64, len(df))
	for t, f := range df {
		ix.idf[t] = idf(ix.n, f)
	}
	ix.idfSeen1 = idf(ix.n, 1)
	// weights[q] are the field weights for a query in language slot q;
	// weights[numSlots] for a query with no language.
	for q := 0; q <= numSlots; q++ {
		for s := range numFieldSlots {
			w := fieldWeights[s%numFields]
			if q < numSlots && s/numFields != q {
				w *= otherLangBoost
			}
			ix.weights[q][s] = w
		}
	}
	return ix
}

// Result is one article found by Search.
type Result struct {
	ID      string
	Article *Article
	// Score is in [0, 1); see ConfidenceThreshold.
	Score float64
	// Confident is set when the result answers the query with confidence;
	// see ConfidenceThreshold.
	Confident bool
}

// searchScratch holds the buffers of one search.
type searchScratch struct {
	an      analyzer
	alts    []alt
	acc     []float64 // tf of the current alternative, by doc
	best    []float64 // best alternative of the current token, by doc
	score   []float64 // by doc
	touched []uint32  // docs with acc > 0
	inUnit  []uint32  // docs with best > 0
	scored  []uint32  // docs with score > 0
	top     []uint32
	key     []byte // a phrase key being looked up
	skey    []byte // its skeleton form
}

type alt struct {
	unit   int32
	term   uint32
	weight float64
}

func newSearchScratch(n int) *searchScratch {
	s := &searchScratch{
		acc:   make([]float64, n),
		best:  make([]float64, n),
		score: make([]float64, n),
	}
	s.an.limit = maxTerms
	s.an.cross = true
	return s
}

// DefaultLimit is the number of results Search returns for limit <= 0.
const DefaultLimit = 5

// Search finds the articles that answer query, best first. lang is the
// person's language (lo, th, en, lo-Latn; "" for none): all languages of
// every article are searched (a Thai question can match Lao text), fields
// in lang weigh more. An empty or meaningless query gives no results.
func (b *Base) Search(query, lang string, limit int) []Result {
	if limit <= 0 {
		limit = DefaultLimit
	}
	if len(query) > 4096 {
		query = query[:4096]
	}
	ix := b.idx
	if ix == nil || ix.n == 0 {
		return nil
	}
	limit = min(limit, ix.n)
	s := b.scratch.Get().(*searchScratch)
	defer b.scratch.Put(s)

	s.an.reset()
	s.an.add(Normalize(query), true)
	norm := s.lookup(ix)
	if len(s.alts) == 0 || norm == 0 {
		return nil
	}
	weights := &ix.weights[numSlots]
	if lang != "" {
		weights = &ix.weights[langSlot(lang)]
	}
	s.scored = s.scored[:0]
	for i := 0; i < len(s.alts); {
		j := i + 1
		for j < len(s.alts) && s.alts[j].unit == s.alts[i].unit {
			j++
		}
		s.inUnit = s.inUnit[:0]
		for _, x := range s.alts[i:j] {
			s.touched = s.touched[:0]
			for _, p := range ix.post[ix.off[x.term]:ix.off[x.term+1]] {
				if s.acc[p.doc] == 0 {
					s.touched = append(s.touched, p.doc)
				}
				s.acc[p.doc] += weights[p.field] * float64(p.tf)
			}
			g := x.weight * ix.idf[x.term]
			for _, d := range s.touched {
				tf := s.acc[d]
				s.acc[d] = 0
				c := g * tf / (bm25K1 + tf)
				if s.best[d] == 0 {
					s.inUnit = append(s.inUnit, d)
				}
				s.best[d] = max(s.best[d], c)
			}
		}
		for _, d := range s.inUnit {
			if s.score[d] == 0 {
				s.scored = append(s.scored, d)
			}
			s.score[d] += s.best[d]
			s.best[d] = 0
		}
		i = j
	}
	// The best limit documents, by score then id, and one more to measure
	// the first one's margin.
	s.top = s.top[:0]
	keep := limit + 1
	for _, d := range s.scored {
		if s.score[d] <= 0 {
			continue
		}
		k := len(s.top)
		if k == keep && !better(s.score, d, s.top[k-1]) {
			continue
		}
		if k < keep {
			s.top = append(s.top, d)
		} else {
			k--
		}
		for ; k > 0 && better(s.score, d, s.top[k-1]); k-- {
			s.top[k] = s.top[k-1]
		}
		s.top[k] = d
	}
	out := make([]Result, min(limit, len(s.top)))
	for i := range out {
		d := s.top[i]
		a := b.articles[d]
		sc := s.score[d] / norm
		confident := sc >= StrongScore
		if i == 0 && sc >= ConfidenceThreshold && !confident {
			confident = len(s.top) < 2 || s.score[s.top[1]] <= MarginRatio*s.score[d]
		}
		out[i] = Result{ID: a.ID, Article: a, Score: sc, Confident: confident}
	}
	for _, d := range s.scored {
		s.score[d] = 0
	}
	return out
}

// lookup turns the analysed query into alternatives grouped by token
// (s.alts) and returns the normalisation: the sum over tokens of the most
// each can add, max w · idf over its known alternatives, or for a token the
// index has never seen the idf of a term seen once, weighted by
// unknownWordWeight or unknownBigramWeight. A token repeating an earlier one
// is dropped.
func (s *searchScratch) lookup(ix *index) float64 {
	terms := s.an.terms
	// A pair's joined skeleton comes after both words: group by token.
	slices.SortStableFunc(terms, func(x, y term) int { return int(x.unit) - int(y.unit) })
	s.alts = s.alts[:0]
	var norm float64
	for i := 0; i < len(terms); {
		j := i + 1
		for j < len(terms) && terms[j].unit == terms[i].unit {
			j++
		}
		start := len(s.alts)
		for _, t := range terms[i:j] {
			k := s.an.key(t)
			id, ok := ix.terms[string(k)]
			if !ok || slices.ContainsFunc(s.alts[start:], func(x alt) bool { return x.term == id }) {
				continue
			}
			w := 1.0
			switch {
			case t.cross:
				w = altCross
			case k[0] == kindSkeleton:
				w = altSkeleton
			}
			s.alts = append(s.alts, alt{unit: t.unit, term: id, weight: w})
		}
		i = j
		switch {
		case len(s.alts) == start:
			if k := s.an.key(terms[j-1]); k[0] == kindWord || k[0] == kindSkeleton {
				norm += unknownWordWeight * ix.idfSeen1
			} else {
				norm += unknownBigramWeight * ix.idfSeen1
			}
		case s.repeated(start):
			s.alts = s.alts[:start]
		default:
			norm += maxIDF(ix, s.alts[start:])
		}
	}
	// Phrases: spans of the query that are a whole keyword or title. Keys
	// grow one token at a time, up to the longest phrase in the index.
	unit := s.an.units
	ptoks := s.an.ptoks
	for i := 0; i < min(len(ptoks), maxPhraseStart); i++ {
		s.key = append(s.key[:0], kindPhrase)
		s.skey = append(s.skey[:0], kindPhraseSkeleton)
		words := false
		for j := i + 1; j <= min(len(ptoks), i+maxPhraseTokens); j++ {
			s.key = s.an.phraseKey(s.key, j-1, j, false)
			s.skey = s.an.phraseKey(s.skey, j-1, j, true)
			if len(s.key) > ix.maxPhrase && len(s.skey) > ix.maxPhrase {
				break
			}
			words = words || !ptoks[j-1].cluster
			if !s.an.phraseWorthy(i, j) {
				continue
			}
			start := len(s.alts)
			if id, ok := ix.terms[string(s.key)]; ok {
				s.alts = append(s.alts, alt{unit: unit, term: id, weight: 1})
			}
			if id, ok := ix.terms[string(s.skey)]; ok && words {
				s.alts = append(s.alts, alt{unit: unit, term: id, weight: altSkeleton})
			}
			if len(s.alts) > start {
				norm += maxIDF(ix, s.alts[start:])
				unit++
			}
		}
	}
	return norm
}

// repeated reports whether the token whose alternatives start at
// s.alts[start] has the same alternatives as an earlier token.
func (s *searchScratch) repeated(start int) bool {
	cur := s.alts[start:]
	for i := 0; i < start; {
		j := i + 1
		for j < start && s.alts[j].unit == s.alts[i].unit {
			j++
		}
		if j-i == len(cur) && slices.EqualFunc(s.alts[i:j], cur, func(x, y alt) bool { return x.term == y.term }) {
			return true
		}
		i = j
	}
	return false
}

// maxIDF is the most a token with these alternatives can add.
func maxIDF(ix *index, alts []alt) float64 {
	m := 0.0
	for _, x := range alts {
		m = max(m, x.weight*ix.idf[x.term])
	}
	return m
}

func better(score []float64, x, y uint32) bool {
	if score[x] != score[y] {
		return score[x] > score[y]
	}
	return x < y
}
