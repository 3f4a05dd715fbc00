package crisis

import (
	"unicode"
	"unicode/utf8"
)

// The detector matches on two byte streams built from the normalised text
// (knowledge.Normalize), one byte per folded character, so that one
// automaton can hold Lao, Thai, English and romanised Lao phrases:
//
// Stream A ("text"): Lao and Thai letters as one byte each (0x80 + offset
// in the Lao block), tone marks dropped into a parallel array, spaces and
// punctuation between Lao/Thai letters dropped (Lao and Thai put no spaces
// between words, and people put them in odd places); Latin words as
// lower-case ASCII, each with a space before and after, apostrophes
// dropped ("can't" is "cant").
//
// Stream B ("roman"): every Latin word again, as its romanised-Lao key
// (see romanKey), each word between '_' marks.
//
// Every byte carries a position in quarter-words (a Lao or Thai letter is
// one quarter, a Latin word four), so co-occurrence windows mean roughly
// the same distance in every script, and hits from the two streams can be
// merged in text order.

const (
	streamText  = 0
	streamRoman = 1

	placeholder = 0x01 // a letter of another script inside a Latin word
	laoBase     = 0x0E80
)

// Lao letters the folding rewrites.
const (
	laoHo   = 'ຫ'
	laoNo   = 'ນ'
	laoMo   = 'ມ'
	laoLo   = 'ລ'
	laoRo   = 'ຣ'
	laoHoNo = 'ໜ'
	laoHoMo = 'ໝ'
	laoSgLo = 'ຼ'
	laoO    = 'ອ'
	laoYo   = 'ຢ'
	laoMaiM = 'ໃ'
	laoMaiN = 'ໄ'
)

// taiByte is the one-byte form of a Lao code point.
func taiByte(r rune) byte { return byte(0x80 + (r - laoBase)) }

func isTai(r rune) bool { return r >= 0x0E00 && r <= 0x0EFF }

func isThai(r rune) bool { return r >= 0x0E00 && r <= 0x0E7F }

func isToneMark(r rune) bool {
	return (r >= 0x0E48 && r <= 0x0E4B) || (r >= 0x0EC8 && r <= 0x0ECB)
}

// scratch holds one detection's buffers; a Detector pools them so a call
// allocates little beyond what Normalize does.
type scratch struct {
	a     []byte  // stream A
	aPos  []int32 // position of each byte of a
	aTone []byte  // tone (1–4) on a base letter of a, else 0
	aBnd  []bool  // a Lao/Thai byte that follows a space, punctuation or Latin
	b     []byte  // stream B
	bPos  []int32
	word  []byte // the current Latin word's ASCII letters
	hits  [2][]hit
}

// hit is one concept cue found at a position.
type hit struct {
	pos     int32
	concept uint8
}

func (s *scratch) reset() {
	s.a, s.aPos, s.aTone, s.aBnd = s.a[:0], s.aPos[:0], s.aTone[:0], s.aBnd[:0]
	s.b, s.bPos = s.b[:0], s.bPos[:0]
	s.hits[0], s.hits[1] = s.hits[0][:0], s.hits[1][:0]
}

func (s *scratch) pushA(c byte, pos int32, bnd bool) {
	s.a = append(s.a, c)
	s.aPos = append(s.aPos, pos)
	s.aTone = append(s.aTone, 0)
	s.aBnd = append(s.aBnd, bnd)
}

func (s *scratch) truncA(n int) {
	s.a, s.aPos, s.aTone, s.aBnd = s.a[:n], s.aPos[:n], s.aTone[:n], s.aBnd[:n]
}

// build fills both streams from normalised text.
func (s *scratch) build(text string) {
	s.reset()
	var q int32      // position in quarter-words
	lastBase := -1   // index in a of the last Lao/Thai base letter of the run
	boundary := true // a separator came before the next Lao/Thai letter
	inWord, roman := false, true
	s.b = append(s.b, '_')
	s.bPos = append(s.bPos, 0)
	s.pushA(' ', 0, false)

	endWord := func() {
		if !inWord {
			return
		}
		inWord = false
		s.pushA(' ', q, false)
		if roman && len(s.word) > 0 {
			start := len(s.b)
			s.b = romanKey(s.b, s.word)
			if len(s.b) > start {
				s.b = append(s.b, '_')
				for range len(s.b) - start {
					s.bPos = append(s.bPos, q)
				}
			}
		}
	}

	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if isTai(r) && taiLetterOrMark(r) {
			endWord()
			switch {
			case isToneMark(r):
				if lastBase >= 0 {
					s.aTone[lastBase] = byte(r&0x0F) - 7 // 1–4
				}
				continue
			case r == 0x0E4C || r == 0x0ECC: // ์ ໌: the letter before is silent
				if lastBase >= 0 {
					s.truncA(lastBase)
					lastBase = -1
				}
				continue
			case r == 0x0E46 || r == 0x0EC6 || r == 0x0E2F || r == 0x0EAF || r == 0x0E3A || r == 0x0E4E || r == 0x0EBA:
				continue // ๆ ໆ ฯ ຯ and Pali signs carry no sound of their own
			}
			thai := isThai(r)
			l := r
			if thai {
				l = r + 0x80
			}
			switch l {
			case laoRo:
				l = laoLo
			case laoMaiM:
				l = laoMaiN
			}
			mark := taiKinds[r-0x0E00]&taiMark != 0
			last := len(s.a) - 1
			// Thai ห + น/ม/ล with no marks is one letter, as Lao ໜ ໝ ຫຼ.
			if thai && !mark && lastBase == last && lastBase >= 0 && s.a[last] == taiByte(laoHo) {
				switch l {
				case laoNo:
					s.a[last] = taiByte(laoHoNo)
					continue
				case laoMo:
					s.a[last] = taiByte(laoHoMo)
					continue
				case laoLo:
					q++
					s.pushA(taiByte(laoSgLo), q, false)
					continue
				}
			}
			// Thai อย before า or ู (อยาก อยู่ อย่า) is Lao ຢ (ຢາກ ຢູ່ ຢ່າ).
			if thai && r == 'ย' && lastBase == last && lastBase >= 0 && s.a[last] == taiByte(laoO) && yoBefore(text[i:]) {
				s.a[last] = taiByte(laoYo)
				continue
			}
			q++
			s.pushA(taiByte(l), q, boundary)
			boundary = false
			if !mark {
				lastBase = len(s.a) - 1
			}
			continue
		}
		lastBase = -1
		switch {
		case isWordRune(r):
			if !inWord {
				inWord, roman = true, true
				s.word = s.word[:0]
				q += 4
				if s.a[len(s.a)-1] != ' ' {
					s.pushA(' ', q, false)
				}
			}
			if r < utf8.RuneSelf {
				s.pushA(byte(r), q, false)
				if r >= 'a' && r <= 'z' {
					s.word = append(s.word, byte(r))
				}
			} else {
				s.pushA(placeholder, q, false)
				roman = false
			}
		case inWord && (r == '\'' || r == '’' || r >= 0x300 && unicode.Is(unicode.Mn, r)):
			// "can't" is "cant"; a combining mark stays in its word.
		default:
			endWord()
			boundary = true
		}
	}
	endWord()
	if s.a[len(s.a)-1] != ' ' {
		s.pushA(' ', q, false)
	}
}

// taiKinds classifies the Thai and Lao blocks (U+0E00–U+0EFF) once, so
// the hot loop needs no Unicode table lookups. It is never written after
// package initialisation.
var taiKinds = func() (k [256]uint8) {
	for i := range k {
		r := rune(0x0E00 + i)
		switch {
		case r == 0x0E3F || r == 0x0E4F || r == 0x0E5A || r == 0x0E5B: // ฿ ๏ ๚ ๛
		case unicode.Is(unicode.Mn, r):
			k[i] = taiWord | taiMark
		case unicode.IsLetter(r):
			k[i] = taiWord
		}
	}
	return k
}()

const (
	taiWord = 1 << iota // a letter, vowel or mark: part of a word
	taiMark             // a combining mark
)

// taiLetterOrMark reports whether a Lao or Thai code point is part of a
// word: letters, vowels and marks, not digits (Normalize made them ASCII),
// currency or punctuation signs.
func taiLetterOrMark(r rune) bool { return taiKinds[r-0x0E00]&taiWord != 0 }

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return !isTai(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// yoBefore reports whether the rest of a Thai word, after ย, starts with
// า or ู (tone marks skipped).
func yoBefore(rest string) bool {
	for _, r := range rest {
		if isToneMark(r) {
			continue
		}
		return r == 'า' || r == 'ู'
	}
	return false
}

func isVowel(c byte) bool { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' }

// romanKey appends the key of one romanised word (lower-case ASCII
// letters) to dst. Romanised Lao has no fixed spelling, so the key folds
// the usual variants while keeping what tells short words apart:
//
//   - kh/gh/g/c/q → k, ph → p, ch/j → j, sh/x/z → s, v → w, r → l,
//     ng → N, ny (before a vowel) → y, nh/mh/lh → n/m/l; th stays apart
//     from t (T), because "thi" (ທີ່, at) and "ti" (ຕີ, hit), "thai"
//     (Thailand) and "tai" (ຕາຍ, die) must not meet;
//   - ee/ii → i, oo/ou/uu → u, aa → a; a y after a vowel is i, aw before a
//     consonant is o, another w after a vowel is u; an h or r that closes a
//     vowel is silent ("ork" is "ok", "yark" is "yak", "bor" is "bo");
//   - a closing b, d is p, t; doubled consonants count once.
//
// The folding is local (a letter's key depends on its neighbours only),
// so "bohaiork" and "bo hai ork" give the same letters.
func romanKey(dst, w []byte) []byte {
	at := func(i int) byte {
		if i < len(w) {
			return w[i]
		}
		return 0
	}
	start := len(dst)
	prevVowel := false
	last := func() byte {
		if len(dst) > start {
			return dst[len(dst)-1]
		}
		return 0
	}
	for i := 0; i < len(w); {
		c, n := w[i], at(i+1)
		if isVowel(c) {
			sym := c
			switch {
			case c == 'e' && n == 'e', c == 'i' && n == 'i':
				sym, i = 'i', i+2
			case c == 'o' && (n == 'o' || n == 'u'), c == 'u' && n == 'u':
				sym, i = 'u', i+2
			case c == 'a' && n == 'a':
				sym, i = 'a', i+2
			default:
				i++
			}
			if !(prevVowel && last() == sym) {
				dst = append(dst, sym)
			}
			prevVowel = true
			continue
		}
		if prevVowel && !isVowel(n) {
			switch c {
			case 'h', 'r':
				i++
				continue
			case 'y':
				if last() != 'i' {
					dst = append(dst, 'i')
				}
				i++
				continue
			case 'w':
				if last() == 'a' {
					dst[len(dst)-1] = 'o'
				} else if last() != 'u' {
					dst = append(dst, 'u')
				}
				i++
				continue
			}
		}
		sym, k := romanConsonant(c, n, at(i+2))
		i += k
		if i >= len(w) || !isVowel(w[i]) {
			switch sym {
			case 'b':
				sym = 'p'
			case 'd':
				sym = 't'
			}
		}
		if prevVowel || sym != last() {
			dst = append(dst, sym)
		}
		prevVowel = false
	}
	return dst
}

// romanConsonant folds the consonant starting with c (followed by n, n2)
// and says how many letters it used.
func romanConsonant(c, n, n2 byte) (byte, int) {
	if n == 'h' {
		switch c {
		case 'k', 'g':
			return 'k', 2
		case 'p':
			return 'p', 2
		case 't':
			return 'T', 2
		case 'c':
			return 'j', 2
		case 's':
			return 's', 2
		case 'n':
			return 'n', 2
		case 'm':
			return 'm', 2
		case 'l', 'r':
			return 'l', 2
		case 'w':
			return 'w', 2
		}
	}
	switch {
	case c == 'n' && n == 'g':
		return 'N', 2
	case c == 'n' && n == 'y' && isVowel(n2):
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
