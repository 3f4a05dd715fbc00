package knowledge

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Code points the normaliser cares about.
const (
	laoHo        = 'ຫ' // U+0EAB
	laoNo        = 'ນ' // U+0E99
	laoMo        = 'ມ' // U+0EA1
	laoLo        = 'ລ' // U+0EA5
	laoHoNo      = 'ໜ' // U+0EDC
	laoHoMo      = 'ໝ' // U+0EDD
	laoSignLo    = 'ຼ' // U+0EBC, semivowel sign lo (ຫຼ)
	laoNiggahita = 'ໍ' // U+0ECD
	laoAa        = 'າ' // U+0EB2
	laoAm        = 'ຳ' // U+0EB3
	thaiNikhahit = 'ํ' // U+0E4D
	thaiAa       = 'า' // U+0E32
	thaiAm       = 'ำ' // U+0E33
)

// Normalize brings a document or a query to the one form the index uses, as
// listed in DESIGN.md ("Lao, Thai and English text"):
//
//   - invalid UTF-8 is replaced by U+FFFD;
//   - U+200B, U+200C, U+200D, U+2060, U+00AD and U+FEFF are removed;
//   - letters are lower-cased, Lao (໐–໙) and Thai (๐–๙) digits become 0–9;
//   - the text is put in NFC;
//   - the marks on each Lao or Thai letter are put in one order: the
//     semivowel ຼ, then vowel signs, then tone marks (so a tone typed before an
//     upper vowel comes after it), then other signs;
//   - ໍ (+ tone) + າ becomes (tone +) ຳ, and Thai ํ (+ tone) + า becomes ำ; a
//     tone (or any other mark) typed after ຳ or ำ moves before it;
//   - ຫນ becomes ໜ, ຫມ becomes ໝ and ຫລ becomes ຫຼ.
//
// Normalize is idempotent and its result is valid UTF-8 in NFC.
func Normalize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(mapRune, s)
	s = norm.NFC.String(s)
	if !hasTai(s) {
		return s
	}
	s = fixTai(s)
	// Marks of a cluster with no Lao or Thai letter (an orphan) may be put
	// next to a Latin letter before them, which NFC then composes with it
	// (a + U+0323 → ạ).
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	return s
}

// mapRune drops invisible format characters, lower-cases letters and maps
// Lao and Thai digits to ASCII.
func mapRune(r rune) rune {
	switch {
	case r == 0x200B, r == 0x200C, r == 0x200D, r == 0x2060, r == 0x00AD, r == 0xFEFF:
		return -1
	case r >= '໐' && r <= '໙':
		return '0' + (r - '໐')
	case r >= '๐' && r <= '๙':
		return '0' + (r - '๐')
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	return unicode.ToLower(r)
}

func isLao(r rune) bool  { return r >= 0x0E80 && r <= 0x0EFF }
func isThai(r rune) bool { return r >= 0x0E00 && r <= 0x0E7F }
func isTai(r rune) bool  { return r >= 0x0E00 && r <= 0x0EFF }

func hasTai(s string) bool {
	for i := 0; i < len(s); i++ {
		// Every Thai and Lao code point is encoded as E0 B8..BB xx.
		if s[i] == 0xE0 && i+1 < len(s) && s[i+1] >= 0xB8 && s[i+1] <= 0xBB {
			return true
		}
	}
	return false
}

// isTaiMark reports whether r is a Lao or Thai nonspacing mark (category
// Mn; TestIsTaiMark checks the ranges against the unicode tables).
func isTaiMark(r rune) bool {
	switch {
	case r == 0x0E31, r >= 0x0E34 && r <= 0x0E3A, r >= 0x0E47 && r <= 0x0E4E:
		return true
	case r == 0x0EB1, r >= 0x0EB4 && r <= 0x0EBC, r >= 0x0EC8 && r <= 0x0ECE:
		return true
	}
	return false
}

func isToneMark(r rune) bool {
	return (r >= 0x0E48 && r <= 0x0E4B) || (r >= 0x0EC8 && r <= 0x0ECB)
}

// markRank orders the marks of one Lao or Thai letter. Vowel signs that are
// not reordered by NFC (combining class 0) come first, then the marks NFC
// orders by combining class (below vowels, tone marks, and any foreign
// nonspacing mark), then the remaining signs (ໆ-like cancellation marks).
// The order agrees with NFC, so NFC leaves the result alone.
func markRank(r rune) int {
	if r == laoSignLo {
		return 0
	}
	if ccc := int(norm.NFC.PropertiesString(string(r)).CCC()); ccc != 0 {
		return 2 + ccc
	}
	switch r {
	case 0x0E4C, 0x0E4E, 0x0ECC: // ์ ๎ ໌
		return 1000
	}
	return 1
}

// fixTai applies the Lao and Thai rules to an NFC string. A cluster is a Lao
// or Thai letter (or nothing, at an orphan mark) followed by Lao or Thai marks
// and any marks with a nonzero combining class.
func fixTai(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	marks := make([]rune, 0, 8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isTai(r) {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		base := rune(-1)
		if !isTaiMark(r) {
			base = r
			i += n
			// ຫນ → ໜ, ຫມ → ໝ, ຫລ → ຫຼ.
			if r == laoHo {
				next, m := utf8.DecodeRuneInString(s[i:])
				switch next {
				case laoNo:
					base, i = laoHoNo, i+m
				case laoMo:
					base, i = laoHoMo, i+m
				case laoLo:
					i += m
					marks = append(marks, laoSignLo)
				}
			}
		}
		// Collect the marks of this letter.
		for i < len(s) {
			m, k := clusterMark(s[i:])
			if k == 0 {
				break
			}
			marks = append(marks, m)
			i += k
		}
		// ໍ (+ tone) + າ → (tone +) ຳ and Thai ํ (+ tone) + า → ำ; a tone
		// (or any other mark) typed after ຳ or ำ moves before it with the
		// letter's marks, so nothing is left for a second pass to move.
		next, k := utf8.DecodeRuneInString(s[i:])
		am := rune(-1)
		switch next {
		case laoAm, thaiAm:
			am = next
		case laoAa:
			if j := indexRune(marks, laoNiggahita); j >= 0 {
				marks, am = append(marks[:j], marks[j+1:]...), laoAm
			}
		case thaiAa:
			if j := indexRune(marks, thaiNikhahit); j >= 0 {
				marks, am = append(marks[:j], marks[j+1:]...), thaiAm
			}
		}
		if am >= 0 {
			i += k
			for i < len(s) {
				t, l := clusterMark(s[i:])
				if l == 0 {
					break
				}
				marks = append(marks, t)
				i += l
			}
		}
		sortMarks(marks)
		writeCluster(&b, base, marks)
		if am >= 0 {
			b.WriteRune(am)
		}
		marks = marks[:0]
	}
	return b.String()
}

// clusterMark returns the mark s starts with and its length, or 0 when s
// starts with anything else: a Lao or Thai mark, or any mark with a
// nonzero combining class.
func clusterMark(s string) (rune, int) {
	m, k := utf8.DecodeRuneInString(s)
	if isTai(m) && !isTaiMark(m) || m < utf8.RuneSelf {
		return m, 0 // a letter: combining class 0
	}
	if !isTaiMark(m) && norm.NFC.PropertiesString(s[:k]).CCC() == 0 {
		return m, 0
	}
	return m, k
}

func sortMarks(marks []rune) {
	if len(marks) < 2 {
		return
	}
	sort.SliceStable(marks, func(i, j int) bool { return markRank(marks[i]) < markRank(marks[j]) })
}

func writeCluster(b *strings.Builder, base rune, marks []rune) {
	if base >= 0 {
		b.WriteRune(base)
	}
	for _, m := range marks {
		b.WriteRune(m)
	}
}

func indexRune(rs []rune, r rune) int {
	for i, x := range rs {
		if x == r {
			return i
		}
	}
	return -1
}
