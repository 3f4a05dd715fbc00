package handlers

import (
	"strings"
	"unicode"

	"phuan/knowledge"
)

// Small talk: a message that is only thanks, a greeting, an "ok" or a
// goodbye gets a short reply of its own kind. Searched as a question, a
// lone "thanks" or "ok" matched whatever article happens to hold the word
// and got it as a confident answer.
const (
	talkThanks = "thanks"
	talkHello  = "hello"
	talkOK     = "ok"
	talkBye    = "bye"
)

// smallTalkPhrases are whole messages, normalised (knowledge.Normalize)
// with spaces, punctuation, repetition marks and polite particles taken
// out; romanised Lao as people commonly spell it. Keys are in normalised
// form (a test checks).
var smallTalkPhrases = map[string]string{
	"ຂອບໃຈ": talkThanks, "ขอบคุณ": talkThanks, "ขอบใจ": talkThanks,
	"thanks": talkThanks, "thank": talkThanks, "thankyou": talkThanks, "thx": talkThanks, "tq": talkThanks,
	"ty": talkThanks, "tks": talkThanks, "khobjai": talkThanks, "khopjai": talkThanks, "khobchai": talkThanks,
	"khopchai": talkThanks, "kopjai": talkThanks, "khobkhun": talkThanks, "kopkun": talkThanks,

	"ສະບາຍດີ": talkHello, "ຫວັດດີ": talkHello, "สวัสดี": talkHello, "หวัดดี": talkHello,
	"hello": talkHello, "hi": talkHello, "hey": talkHello, "helo": talkHello, "hii": talkHello,
	"goodmorning": talkHello, "goodafternoon": talkHello, "goodevening": talkHello,
	"sabaidee": talkHello, "sabaidi": talkHello, "sabaydee": talkHello, "sabaidy": talkHello,
	// "How are you?" and "have you eaten?", greetings in Lao and Thai.
	"ສະບາຍດີບໍ": talkHello, "ສະບາຍດີບໍ່": talkHello, "ເປັນແນວໃດແດ່": talkHello, "ກິນເຂົ້າແລ້ວບໍ": talkHello,
	"ກິນເຂົ້າແລ້ວບໍ່": talkHello, "ກິນເຂົ້າຫຼືຍັງ": talkHello, "ກິນເຂົ້າແລ້ວບໍ່ທັນ": talkHello,
	"สบายดีไหม": talkHello, "สบายดีมั้ย": talkHello, "กินข้าวหรือยัง": talkHello, "กินข้าวยัง": talkHello,
	"howareyou": talkHello, "sabaideebor": talkHello, "sabaideebo": talkHello, "kinkhaolaewbor": talkHello,
	"kinkhaolaewbo": talkHello,

	"ໂອເຄ": talkOK, "ຕົກລົງ": talkOK, "ເຂົ້າໃຈແລ້ວ": talkOK, "ຮູ້ແລ້ວ": talkOK, "ໄດ້ເລີຍ": talkOK,
	"โอเค": talkOK, "ตกลง": talkOK, "เข้าใจแล้ว": talkOK, "รับทราบ": talkOK, "ได้เลย": talkOK,
	"ok": talkOK, "okay": talkOK, "okey": talkOK, "oke": talkOK, "k": talkOK, "kk": talkOK,
	"gotit": talkOK, "alright": talkOK, "noted": talkOK, "👍": talkOK, "👌": talkOK, "🙏": talkThanks,

	"ລາກ່ອນ": talkBye, "ບາຍ": talkBye, "ບ້າຍບາຍ": talkBye, "ພົບກັນໃໝ່": talkBye,
	"ลาก่อน": talkBye, "บาย": talkBye, "บ๊ายบาย": talkBye, "บายบาย": talkBye,
	"bye": talkBye, "byebye": talkBye, "goodbye": talkBye, "seeyou": talkBye, "goodnight": talkBye,
}

// smallTalkEnds are polite particles and intensifiers that may follow
// (or, for the first few, come before) small talk: ຂອບໃຈຫຼາຍໆເດີ,
// ขอบคุณมากครับ, "ok thanks a lot".
var smallTalkEnds = []string{
	"ເດີ", "ເດ້", "ເນາະ", "ຈ້າ", "ຈ້ະ", "ຄັບ", "ເຈົ້າ", "ຫຼາຍ", "ແທ້",
	"ครับ", "คับ", "ค่ะ", "คะ", "ค่า", "จ้า", "จ้ะ", "นะ", "มาก", "เลย", "ฮะ", "งับ",
	"verymuch", "somuch", "alot", "again", "sir", "bro", "phuan", "krub", "ka",
	"lailai", "lai", "der", "deu", "jao",
}

// smallTalkStarts may come before small talk: "ok thanks", "ເຈົ້າ ຂອບໃຈ".
var smallTalkStarts = []string{"ok", "okay", "ໂອເຄ", "โอเค", "ເຈົ້າ", "ครับ", "ค่ะ", "oh"}

// maxSmallTalk bounds, in bytes, what is left of small talk once spaces,
// punctuation and repetition marks are out: the longest phrase with its
// particles fits with room to spare.
const maxSmallTalk = 64

// smallTalk says what kind of small talk text is ("" for anything else).
func smallTalk(text string) string {
	if len(text) > 4*maxSmallTalk {
		return "" // far too long to be only thanks, and not worth normalising
	}
	var b strings.Builder
	for _, r := range knowledge.Normalize(text) {
		switch {
		case r == 'ໆ' || r == 'ๆ':
		case unicode.IsLetter(r) || unicode.IsMark(r):
			b.WriteRune(r)
		case r == '👍' || r == '👌' || r == '🙏':
			b.WriteRune(r)
		}
	}
	s := b.String()
	if s == "" || len(s) > maxSmallTalk {
		return ""
	}
	for trimmed := true; trimmed; {
		trimmed = false
		if _, ok := smallTalkPhrases[s]; ok {
			break
		}
		for _, p := range smallTalkEnds {
			if rest, ok := strings.CutSuffix(s, p); ok && rest != "" {
				s, trimmed = rest, true
				break
			}
		}
		if trimmed {
			continue
		}
		for _, p := range smallTalkStarts {
			if rest, ok := strings.CutPrefix(s, p); ok && rest != "" {
				s, trimmed = rest, true
				break
			}
		}
	}
	return smallTalkPhrases[collapseRepeats(s)]
}

// collapseRepeats turns "👍👍👍" or "okok" into one: a word said twice is
// still that word.
func collapseRepeats(s string) string {
	for n := 1; n <= len(s)/2; n++ {
		if len(s)%n == 0 && strings.Repeat(s[:n], len(s)/n) == s {
			return s[:n]
		}
	}
	return s
}
