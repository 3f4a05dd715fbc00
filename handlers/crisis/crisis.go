package crisis

import (
	"bytes"
	"slices"
	"sync"

	"phuan/knowledge"
)

// Category is a kind of danger a message signals.
type Category string

// The categories, in the order Detection lists them.
const (
	Violence         Category = "violence"
	SexualAbuse      Category = "sexual_abuse"
	Confinement      Category = "confinement"     // locked in, cannot leave
	Trafficking      Category = "trafficking"     // sold, deceived into work, forced labour or sex work
	DocumentsTaken   Category = "documents_taken" // passport, ID, work permit held by an employer or broker
	DebtBondage      Category = "debt_bondage"
	Threats          Category = "threats"
	SelfHarm         Category = "self_harm"
	MedicalEmergency Category = "medical_emergency"
)

// categories lists every category, bit i of a catSet being categories[i].
var categories = [...]Category{
	Violence, SexualAbuse, Confinement, Trafficking, DocumentsTaken,
	DebtBondage, Threats, SelfHarm, MedicalEmergency,
}

// Categories lists every category, in the order detections report them.
func Categories() []Category { return slices.Clone(categories[:]) }

// catSet is a set of categories, bit i for categories[i].
type catSet uint16

const (
	catViolence catSet = 1 << iota
	catSexual
	catConfinement
	catTrafficking
	catDocuments
	catDebt
	catThreats
	catSelfHarm
	catMedical
)

// urgentCats are the categories that mean danger now on their own.
const urgentCats = catConfinement | catSelfHarm | catMedical

// Detection is what Detect found in one message.
type Detection struct {
	Crisis     bool       // some category was found
	Categories []Category // in the order of the Category constants
	// Country is the ISO code of a country the message names (TH, KR,
	// MY, JP or LA), preferring one named as where the writer is; "" when
	// none is named.
	Country string
	// Urgent means danger now: the person cannot leave, harms themself, is
	// badly hurt, or a crisis comes with "now" or a cry for help.
	Urgent bool
}

// MaxRunes is how much of a message Detect examines: Telegram's message
// limit, so a whole message is read, while a pasted document cannot make
// detection slow.
const MaxRunes = 4096

// Detector finds crisis messages. It is safe for concurrent use.
type Detector struct {
	auto     [2]*automaton // per stream: Lao/Thai/English text, romanised keys
	patterns []pattern
	rules    [numConcepts][]pairRule // the rules each concept takes part in
	pool     sync.Pool
}

// New builds the lexicon and its matcher. Build one Detector and share it.
func New() *Detector {
	d := buildLexicon()
	d.pool.New = func() any { return new(scratch) }
	return d
}

// Detect reports whether text signals a crisis, which kinds, where, and
// whether it is urgent. It never panics and reads at most MaxRunes runes.
func (d *Detector) Detect(text string) Detection {
	text = knowledge.Normalize(capRunes(text, MaxRunes))
	sc := d.pool.Get().(*scratch)
	defer d.pool.Put(sc)
	sc.build(text)

	var st state
	d.auto[streamText].scan(sc.a, func(p int32, end int) { d.found(sc, &st, streamText, p, end) })
	d.auto[streamRoman].scan(sc.b, func(p int32, end int) { d.found(sc, &st, streamRoman, p, end) })
	d.pairs(sc, &st)

	det := Detection{Country: countryCodes[st.country]}
	if st.cats != 0 {
		det.Crisis = true
		det.Categories = make([]Category, 0, 2)
		for i, c := range categories {
			if st.cats&(1<<i) != 0 {
				det.Categories = append(det.Categories, c)
			}
		}
		det.Urgent = st.cats&urgentCats != 0 || st.flags != 0
	}
	return det
}

// state is what one detection has found so far.
type state struct {
	cats    catSet
	flags   uint8 // flagNow, flagHelp
	country uint8 // index in countryCodes
	cscore  uint8 // the score of that country's cue
}

// found applies one pattern occurrence ending at end in a stream.
func (d *Detector) found(sc *scratch, st *state, stream uint8, id int32, end int) {
	p := &d.patterns[id]
	text, pos := sc.a, sc.aPos
	if stream == streamRoman {
		text, pos = sc.b, sc.bPos
	}
	start := end + 1 - len(p.text)
	for i := range p.payloads {
		pl := &p.payloads[i]
		if pl.stream != stream || !pl.guardsOK(sc, text, start, end) {
			continue
		}
		switch pl.kind {
		case kindPhrase:
			st.cats |= pl.cats
			st.flags |= pl.flags
		case kindConcept:
			h := &sc.hits[stream]
			*h = append(*h, hit{pos: pos[end], concept: pl.concept})
		case kindCountry:
			if pl.score > st.cscore {
				st.country, st.cscore = pl.country, pl.score
			}
		}
	}
}

// guardsOK checks what the automaton cannot: tones that must match, words
// that must not follow, and word boundaries.
func (pl *payload) guardsOK(sc *scratch, text []byte, start, end int) bool {
	if pl.tones != nil && !bytes.Equal(sc.aTone[start:end+1], pl.tones) {
		return false
	}
	rest := text[end+1:]
	for _, g := range pl.notNext {
		if bytes.HasPrefix(rest, g) {
			return false
		}
	}
	for _, g := range pl.notPrev {
		if bytes.HasSuffix(text[:start], g) {
			return false
		}
	}
	if pl.bndBefore && !sc.aBnd[start] {
		return false
	}
	if pl.bndAfter && end+1 < len(text) && text[end+1] != ' ' && !sc.aBnd[end+1] {
		return false
	}
	return true
}

// pairs applies the co-occurrence rules to the concept hits of both
// streams, merged in text order: a rule fires when its two concepts occur
// within its window (in order, when the rule says so).
func (d *Detector) pairs(sc *scratch, st *state) {
	var last [numConcepts]int32
	for i := range last {
		last[i] = never
	}
	a, b := sc.hits[0], sc.hits[1]
	for len(a) > 0 || len(b) > 0 {
		var h hit
		if len(b) == 0 || (len(a) > 0 && a[0].pos <= b[0].pos) {
			h, a = a[0], a[1:]
		} else {
			h, b = b[0], b[1:]
		}
		d.apply(&last, st, h, 0)
	}
}

const never = -1 << 30

// apply checks the rules of one concept hit against the last position of
// every other concept, then records it; a rule that emits a concept adds
// that hit at the same position.
func (d *Detector) apply(last *[numConcepts]int32, st *state, h hit, depth int) {
	var derived [4]uint8
	n := 0
	for _, r := range d.rules[h.concept] {
		other := r.a
		if other == h.concept {
			if r.ordered {
				continue // the first concept of an ordered rule only waits
			}
			other = r.b
		}
		if last[other] == never || h.pos-last[other] > r.within {
			continue
		}
		st.cats |= r.cats
		if r.emit > 0 && depth < 2 && n < len(derived) {
			derived[n] = r.emit - 1
			n++
		}
	}
	last[h.concept] = h.pos
	for _, c := range derived[:n] {
		d.apply(last, st, hit{pos: h.pos, concept: c}, depth+1)
	}
}

// capRunes returns the first n runes of s.
func capRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
