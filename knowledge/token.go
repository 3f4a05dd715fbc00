package knowledge

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Tokenisation, applied to Normalize'd text, by runs of one script:
//
//   - A Latin run (letters, digits, their marks; any non-Lao, non-Thai
//     script) is a word. It gives a word term, lightly stemmed (English
//     plural -s), and, when it is all letters, a skeleton term that folds
//     romanised Lao spellings together (see skeleton). When pairs are asked
//     for (queries and keywords), two neighbouring words also give the
//     skeleton of the two joined, so "khop jai" meets "khopjai".
//   - A Lao or Thai run is cut into clusters (a base letter and the
//     nonspacing marks after it) and gives overlapping cluster bigrams; a
//     one-cluster run gives a unigram. Cluster keys are folded: tone marks
//     are dropped (people often leave them out or misplace them), Thai letters
//     map to the Lao letters at the same place in the parallel Unicode
//     blocks (Lao = Thai + U+0080), with the Thai-only letters mapped to the
//     Lao letter for the same sound, and a cluster carrying a silent-letter
//     mark (์ ໌) is left out. So the many words Lao and Thai share fold to
//     the same text (เงินเดือน and ເງິນເດືອນ). Lao and Thai keys keep their
//     own kind, though: a query's Lao bigram matches Thai text (and the
//     reverse) only as a discounted alternative, since with Thai text in
//     most articles, full-weight cross-script matches were mostly noise.
//
// Whole keywords and titles are also phrase terms: the concatenation of
// their clusters and words, spaces left out (see phraseKey). A query
// containing a curated keyword matches it as one rare term, which its
// bigrams, each common, cannot express.
//
// A term key is a kind byte followed by its text. In bigram, unigram and
// phrase keys each folded Lao code point is one byte (its offset in the
// Lao block, below 0x80); a word in a phrase is framed by 0xFE and 0xFF.
const (
	kindWord           = 'w' // Latin word, stemmed
	kindSkeleton       = 's' // romanisation skeleton of a word or of two joined
	kindLaoBigram      = 'b' // bigram of Lao clusters
	kindLaoUnigram     = 'u' // a one-cluster Lao run
	kindThaiBigram     = 'B' // bigram of Thai clusters, folded
	kindThaiUnigram    = 'U'
	kindPhrase         = 'p' // a whole keyword or title
	kindPhraseSkeleton = 'P' // the same with skeletons for words

	maxWordBytes    = 40  // longer Latin runs are not words people type
	maxTerms        = 256 // a query gives at most this many terms
	maxPhraseTokens = 24  // clusters or words in a phrase
	maxPhraseStart  = 64  // phrase tokens of a query that can start a phrase
)

// term is one key in an analyzer's arena; unit groups the alternative
// terms of one query token.
type term struct {
	unit       int32
	start, end int32
	cross      bool // the other script's key for a Lao or Thai token
}

// ptok is one token of the phrase stream: a Lao or Thai cluster or a word,
// as spans of the analyzer's phrase arena.
type ptok struct {
	exact, skel [2]int32
	cluster     bool
}

// analyzer turns normalised text into term keys. It keeps its buffers
// between uses, so a query is analysed without allocating.
type analyzer struct {
	arena    []byte
	terms    []term
	units    int32
	limit    int    // stop after this many terms (0: no limit)
	cross    bool   // give a Lao or Thai token the other script's key as an alternative
	clusters []int  // cluster boundaries in fold
	fold     []byte // folded clusters of the current Lao/Thai run
	word     []byte // the current word, ASCII-folded for skeletons
	prev     []byte // the previous word, for pairs
	skel     []byte // a skeleton being built
	prevUnit int32  // the unit of the previous word, -1 if none
	parena   []byte // phrase tokens' text
	ptoks    []ptok
}

func (a *analyzer) reset() {
	a.arena = a.arena[:0]
	a.terms = a.terms[:0]
	a.units = 0
	a.prevUnit = -1
	a.parena = a.parena[:0]
	a.ptoks = a.ptoks[:0]
}

func (a *analyzer) key(t term) []byte { return a.arena[t.start:t.end] }

func (a *analyzer) full() bool { return a.limit > 0 && len(a.terms) >= a.limit }

// emit adds one term: kind followed by parts.
func (a *analyzer) emit(unit int32, kind byte, parts ...[]byte) {
	if a.full() {
		return
	}
	start := len(a.arena)
	a.arena = append(a.arena, kind)
	for _, p := range parts {
		a.arena = append(a.arena, p...)
	}
	a.terms = append(a.terms, term{unit: unit, start: int32(start), end: int32(len(a.arena))})
}

// emitCross adds the other script's key as an alternative of the current
// unit.
func (a *analyzer) emitCross(kind byte, key []byte) {
	if a.full() {
		return
	}
	a.emit(a.units, kind, key)
	a.terms[len(a.terms)-1].cross = true
}

// addPtok records a phrase token.
func (a *analyzer) addPtok(exact, skel []byte, cluster bool) {
	var t ptok
	t.cluster = cluster
	t.exact[0] = int32(len(a.parena))
	a.parena = append(a.parena, exact...)
	t.exact[1] = int32(len(a.parena))
	if skel == nil {
		t.skel = t.exact
	} else {
		t.skel[0] = int32(len(a.parena))
		a.parena = append(a.parena, skel...)
		t.skel[1] = int32(len(a.parena))
	}
	a.ptoks = append(a.ptoks, t)
}

// phraseKey appends the phrase key of tokens ptoks[i:j] (exact or with
// skeletons) to dst, without the kind byte.
func (a *analyzer) phraseKey(dst []byte, i, j int, skel bool) []byte {
	for _, t := range a.ptoks[i:j] {
		span := t.exact
		if skel {
			span = t.skel
		}
		if !t.cluster {
			dst = append(dst, 0xFE)
		}
		dst = append(dst, a.parena[span[0]:span[1]]...)
		if !t.cluster {
			dst = append(dst, 0xFF)
		}
	}
	return dst
}

// phraseWorthy reports whether ptoks[i:j] can be a phrase: a word, or two
// clusters or more.
func (a *analyzer) phraseWorthy(i, j int) bool {
	return j-i >= 2 || j-i == 1 && !a.ptoks[i].cluster
}

// add analyses s, which must be Normalize'd. With pairs, neighbouring words
// also give their joined skeleton, as an alternative of both.
func (a *analyzer) add(s string, pairs bool) {
	a.prevUnit = -1
	for i := 0; i < len(s) && !a.full(); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case isTai(r) && taiInRun(r):
			thai := isThai(r)
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isTai(r2) || !taiInRun(r2) || isThai(r2) != thai {
					break
				}
				j += n2
			}
			a.taiRun(s[i:j], thai)
			a.prevUnit = -1
			i = j
		case isWordRune(r):
			j := i + n
			for j < len(s) {
				r2, n2 := utf8.DecodeRuneInString(s[j:])
				if !isWordRune(r2) && !unicode.Is(unicode.Mn, r2) {
					break
				}
				j += n2
			}
			a.latinWord(s[i:j], pairs)
			i = j
		default:
			i += n
		}
	}
}

func isWordRune(r rune) bool {
	return !isTai(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// taiInRun reports whether a Lao or Thai code point belongs in a run:
// letters, vowels and marks, not punctuation or symbols.
func taiInRun(r rune) bool {
	switch r {
	case 0x0E3F, 0x0E4F, 0x0E5A, 0x0E5B: // ฿ ๏ ๚ ๛
		return false
	}
	return isTaiMark(r) || unicode.IsLetter(r)
}

// latinWord adds the terms of one word.
func (a *analyzer) latinWord(w string, pairs bool) {
	if len(w) > maxWordBytes {
		a.prevUnit = -1
		return
	}
	stem := stemEnglish(w)
	if isStopWord(stem) {
		a.prevUnit = -1
		return
	}
	unit := a.units
	a.units++
	a.emit(unit, kindWord, []byte(stem))
	a.word = asciiLetters(a.word[:0], stem)
	if a.word == nil {
		a.addPtok([]byte(stem), nil, false)
		a.prevUnit = -1
		return
	}
	a.skel = skeleton(a.skel[:0], a.word)
	a.emit(unit, kindSkeleton, a.skel)
	a.addPtok([]byte(stem), a.skel, false)
	if pairs && a.prevUnit >= 0 {
		a.prev = append(a.prev, a.word...)
		a.skel = skeleton(a.skel[:0], a.prev)
		a.emit(a.prevUnit, kindSkeleton, a.skel)
		a.emit(unit, kindSkeleton, a.skel)
	}
	a.prev = append(a.prev[:0], a.word...)
	a.prevUnit = unit
}

// stemEnglish removes a plural ending: -ies → -y, -s (not -ss, -us, -is).
func stemEnglish(w string) string {
	n := len(w)
	switch {
	case n > 4 && w[n-3:] == "ies":
		return w[:n-3] + "y"
	case n > 3 && w[n-1] == 's' && w[n-2] != 's' && w[n-2] != 'u' && w[n-2] != 'i' && w[n-2] != '\'':
		return w[:n-1]
	}
	return w
}

// stopWords are English function words that carry no topic.
var stopWords = map[string]bool{
	"a": true, "an": true, "the": true, "of": true, "to": true, "in": true, "on": true, "for": true,
	"and": true, "or": true, "is": true, "are": true, "am": true, "be": true, "was": true, "were": true,
	"i": true, "me": true, "my": true, "you": true, "your": true, "it": true, "its": true, "we": true,
	"our": true, "they": true, "their": true, "he": true, "she": true, "his": true, "her": true,
	"do": true, "doe": true, "did": true, "how": true, "what": true, "where": true, "when": true,
	"can": true, "could": true, "should": true, "would": true, "will": true, "with": true, "at": true,
	"from": true, "by": true, "this": true, "that": true, "these": true, "there": true, "if": true,
	"have": true, "ha": true, "had": true, "about": true, "who": true, "which": true, "so": true,
	"as": true, "into": true, "get": true, "got": true, "want": true, "need": true, "please": true,
}

func isStopWord(w string) bool { return stopWords[w] }

// asciiLetters folds w to ASCII letters for skeletons (é → e). It returns
// nil when w has a digit or a letter with no ASCII base.
func asciiLetters(dst []byte, w string) []byte {
	for _, r := range w {
		if r >= 'a' && r <= 'z' {
			dst = append(dst, byte(r))
			continue
		}
		if r == '\'' {
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		var buf [utf8.UTFMax]byte
		d := norm.NFD.Bytes(buf[:utf8.EncodeRune(buf[:], r)])
		if len(d) == 0 || d[0] < 'a' || d[0] > 'z' {
			return nil
		}
		dst = append(dst, d[0])
	}
	if len(dst) == 0 {
		return nil
	}
	return dst
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// skeleton appends the romanisation skeleton of w (ASCII letters) to dst.
//
// Romanised Lao has no fixed spelling: ເງິນ is ngern, ngoen, ngeun or
// ngen; ເດືອນ is duean, deuan or duan; ສະບາຍດີ is sabaidee or sabaidi.
// Vowel letters vary most, so the skeleton keeps the consonant frame and
// writes each vowel run as one symbol: "i" when it ends in an i-glide
// (ai, ay, oi, uai), "o" when it ends in a u-glide (ao, aw, au, eo, iu),
// "a" otherwise (eu, ou, oo, ee, ii are single vowels). A y or w after a
// vowel, a post-vocalic r and a silent h belong to the vowel. Consonants
// fold the usual variants: kh→k, ph→p, th→t, ch/j→j, sh/x/z→s, c/q/g→k,
// v→w, r→l, ng→N, ny/gn→y, nh/mh/lh→n/m/l; a stop closing a syllable is
// devoiced (b→p, d→t); doubled consonants count once. "sabaidee" and
// "sabaidi" both give "sabida", "ngern duean" and "ngoen deuan" both give
// "Nan dan", while "jai" (ja-i) and "jao" (ja-o) stay apart.
func skeleton(dst, w []byte) []byte {
	var (
		last         byte // last symbol written
		vowelAt      = -1 // index in dst of the current vowel run's symbol
		prevV, lastV byte
		runLen       int
	)
	closeRun := func() {
		if vowelAt >= 0 {
			dst[vowelAt] = vowelClass(prevV, lastV, runLen)
			vowelAt, prevV, lastV, runLen = -1, 0, 0, 0
		}
	}
	for i := 0; i < len(w); {
		c := w[i]
		var next byte
		if i+1 < len(w) {
			next = w[i+1]
		}
		inVowel := vowelAt >= 0
		switch {
		case isVowel(c), (c == 'y' || c == 'w') && inVowel:
			if !inVowel {
				vowelAt = len(dst)
				dst = append(dst, 'a')
				last = 'a'
			}
			prevV, lastV = lastV, c
			runLen++
			i++
			continue
		case c == 'r' && inVowel && !isVowel(next):
			i++
			continue
		case c == 'h' && !(i == 0 && isVowel(next)):
			i++
			continue
		}
		closeRun()
		sym, n := consonant(c, next)
		i += n
		if i >= len(w) || !isVowel(w[i]) {
			switch sym {
			case 'b':
				sym = 'p'
			case 'd':
				sym = 't'
			}
		}
		if sym == last {
			continue
		}
		dst = append(dst, sym)
		last = sym
	}
	closeRun()
	return dst
}

// vowelClass is the skeleton symbol of a vowel run whose last two letters
// are prev and last.
func vowelClass(prev, last byte, n int) byte {
	if n < 2 {
		return 'a'
	}
	switch {
	case last == 'i' || last == 'y':
		if prev != 'i' {
			return 'i'
		}
	case last == 'o' || last == 'w' || last == 'u':
		switch string([]byte{prev, last}) {
		case "eu", "ou", "oo", "uu", "ow":
			return 'a'
		}
		return 'o'
	}
	return 'a'
}

// consonant folds the consonant starting with c (followed by next) and
// says how many letters it used.
func consonant(c, next byte) (byte, int) {
	if next == 'h' {
		switch c {
		case 'k', 'g':
			return 'k', 2
		case 'p':
			return 'p', 2
		case 't':
			return 't', 2
		case 'c':
			return 'j', 2
		case 's':
			return 's', 2
		case 'n':
			return 'n', 2
		case 'm':
			return 'm', 2
		case 'l':
			return 'l', 2
		case 'w':
			return 'w', 2
		}
	}
	switch {
	case c == 'n' && next == 'g':
		return 'N', 2
	case c == 'n' && next == 'y', c == 'g' && next == 'n':
		return 'y', 2
	}
	switch c {
	case 'c', 'q', 'g':
		return 'k', 1
	case 'x', 'z':
		return 's', 1
	case 'v':
		return 'w', 1
	case 'r':
		return 'l', 1
	}
	return c, 1
}

// taiRun adds the bigrams (or the unigram) of one Lao or Thai run. With
// cross, each also has the other script's key as an alternative.
func (a *analyzer) taiRun(run string, thai bool) {
	a.fold = a.fold[:0]
	a.clusters = a.clusters[:0]
	silent := false
	for i := 0; i < len(run); {
		r, n := utf8.DecodeRuneInString(run[i:])
		i += n
		if r == 0x0E46 || r == 0x0EC6 || r == 0x0E2F { // ๆ ໆ ฯ
			continue
		}
		if isTaiMark(r) {
			if r == 0x0E4C || r == 0x0ECC { // ์ ໌: a silent letter
				silent = true
				continue
			}
			if b, ok := foldTai(r); ok {
				if len(a.clusters) == 0 { // an orphan mark starts a cluster
					a.clusters = append(a.clusters, 0)
				}
				a.fold = append(a.fold, b)
			}
			continue
		}
		// A new base letter closes the cluster before it.
		if silent {
			a.dropLast()
			silent = false
		}
		b, ok := foldTai(r)
		if !ok {
			continue
		}
		// Thai ห + น/ม/ล with no marks is one letter, as Lao ໜ ໝ ຫຼ.
		if len(a.clusters) > 0 && a.fold[len(a.fold)-1] == 0xAB-0x80 && a.clusters[len(a.clusters)-1] == len(a.fold)-1 && isThai(r) {
			switch r {
			case 'น':
				a.fold[len(a.fold)-1] = 0xDC - 0x80
				continue
			case 'ม':
				a.fold[len(a.fold)-1] = 0xDD - 0x80
				continue
			case 'ล':
				a.fold = append(a.fold, 0xBC-0x80)
				continue
			}
		}
		a.clusters = append(a.clusters, len(a.fold))
		a.fold = append(a.fold, b)
	}
	if silent {
		a.dropLast()
	}
	bi, uni, otherBi, otherUni := byte(kindLaoBigram), byte(kindLaoUnigram), byte(kindThaiBigram), byte(kindThaiUnigram)
	if thai {
		bi, uni, otherBi, otherUni = otherBi, otherUni, bi, uni
	}
	a.clusters = append(a.clusters, len(a.fold))
	for k := 0; k+1 < len(a.clusters); k++ {
		a.addPtok(a.fold[a.clusters[k]:a.clusters[k+1]], nil, true)
	}
	switch len(a.clusters) {
	case 1:
		return
	case 2:
		a.emit(a.units, uni, a.fold)
		if a.cross {
			a.emitCross(otherUni, a.fold)
		}
		a.units++
		return
	}
	for k := 0; k+2 < len(a.clusters); k++ {
		key := a.fold[a.clusters[k]:a.clusters[k+2]]
		a.emit(a.units, bi, key)
		if a.cross {
			a.emitCross(otherBi, key)
		}
		a.units++
	}
}

// dropLast removes the last cluster of the current run.
func (a *analyzer) dropLast() {
	if k := len(a.clusters); k > 0 {
		a.fold = a.fold[:a.clusters[k-1]]
		a.clusters = a.clusters[:k-1]
	}
}

// foldTai maps a Lao or Thai code point to its folded Lao byte (offset
// from U+0E80); ok is false for code points left out of keys (tone marks,
// signs with no sound of their own).
func foldTai(r rune) (byte, bool) {
	if isToneMark(r) {
		return 0, false
	}
	if isThai(r) {
		if f, ok := thaiToLao[r]; ok {
			r = f
		} else {
			r += 0x80
		}
	}
	switch r {
	case 'ຣ':
		r = 'ລ'
	case 0x0EBA: // virama (Pali spellings): no sound of its own
		return 0, false
	}
	if r < 0x0E80 || r > 0x0EFF {
		return 0, false
	}
	return byte(r - 0x0E80), true
}

// thaiToLao maps the Thai letters whose place in the Lao block is empty or
// holds a different sound to the Lao letter for their sound; every other
// Thai code point maps to the same place in the Lao block.
var thaiToLao = map[rune]rune{
	'ฃ': 'ຂ', 'ฅ': 'ຄ', 'ฆ': 'ຄ', 'ฉ': 'ຊ', 'ซ': 'ຊ', 'ฌ': 'ຊ', 'ญ': 'ຍ',
	'ฎ': 'ດ', 'ฏ': 'ຕ', 'ฐ': 'ຖ', 'ฑ': 'ທ', 'ฒ': 'ທ', 'ณ': 'ນ', 'ธ': 'ທ',
	'ภ': 'ພ', 'ย': 'ຍ', 'ร': 'ລ', 'ฤ': 'ລ', 'ฦ': 'ລ', 'ศ': 'ສ', 'ษ': 'ສ',
	'ฬ': 'ລ', 'ฺ': 0x0EBA, 'ๅ': 'າ', '็': 'ັ', '๎': 0x0EBA,
}
