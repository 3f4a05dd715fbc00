package bot

import (
	"strings"
	"unicode"
)

// SplitText cuts s into parts of at most limit characters (runes), cutting
// at the strongest boundary available in the second half of each part:
// a blank line, a line break, the end of a sentence, a space, and at worst
// between two grapheme clusters, never inside one (a Lao or Thai vowel or
// tone mark stays with its letter). Parts are trimmed of surrounding spaces.
func SplitText(s string, limit int) []string {
	if limit < 8 {
		limit = 8
	}
	if len(s) <= limit { // no more runes than bytes: nothing to cut
		return []string{strings.TrimSpace(s)}
	}
	r := []rune(s)
	var parts []string
	for len(r) > limit {
		cut := cutPoint(r, limit)
		if p := strings.TrimSpace(string(r[:cut])); p != "" {
			parts = append(parts, p)
		}
		r = r[cut:]
	}
	if p := strings.TrimSpace(string(r)); p != "" || len(parts) == 0 {
		parts = append(parts, p)
	}
	return parts
}

// cutPoint returns where to end a part of r of at most limit runes.
func cutPoint(r []rune, limit int) int {
	lo := limit / 2
	for _, boundary := range []func(r []rune, i int) bool{
		func(r []rune, i int) bool { return r[i-1] == '\n' && i >= 2 && r[i-2] == '\n' },
		func(r []rune, i int) bool { return r[i-1] == '\n' },
		func(r []rune, i int) bool {
			return unicode.IsSpace(r[i-1]) && i >= 2 && strings.ContainsRune(".!?。", r[i-2])
		},
		func(r []rune, i int) bool { return unicode.IsSpace(r[i-1]) },
	} {
		for i := limit; i > lo; i-- {
			if boundary(r, i) {
				return i
			}
		}
	}
	for i := limit; i > 0; i-- {
		if !isClusterMark(r[i]) && !isLeadingVowel(r[i-1]) {
			return i
		}
	}
	return limit
}

// isClusterMark reports whether c attaches to the character before it, so a
// cut must not fall just before it.
func isClusterMark(c rune) bool {
	return unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Me, c) || unicode.Is(unicode.Mc, c) ||
		c == 0x200D || c == 0xFE0F
}

// CutLabel shortens a button label to at most max characters without
// breaking a grapheme cluster, ending with "…" when it was cut.
func CutLabel(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	end := max - 1
	for end > 0 && (isClusterMark(r[end]) || isLeadingVowel(r[end-1])) {
		end--
	}
	return strings.TrimSpace(string(r[:end])) + "…"
}

// isLeadingVowel reports Lao and Thai vowels written before the consonant
// they follow in speech; a cut right after one would strand it.
func isLeadingVowel(c rune) bool {
	return (c >= 0x0EC0 && c <= 0x0EC4) || (c >= 0x0E40 && c <= 0x0E44)
}
