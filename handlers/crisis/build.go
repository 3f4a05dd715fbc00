package crisis

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"phuan/knowledge"
)

// What a pattern occurrence means.
const (
	kindPhrase  = iota // sets categories (or urgency flags) on its own
	kindConcept        // a cue for the co-occurrence rules
	kindCountry        // names a country
)

// Urgency flags set by phrases.
const (
	flagNow  = 1 << iota // "now", "tonight", ຕອນນີ້
	flagHelp             // "help", ຊ່ວຍແດ່, ช่วยด้วย
)

// Concepts: cues that mean little alone and a crisis together.
const (
	cDoc      uint8 = iota // passport, ID card, work permit
	cTake                  // take, keep, hold, seize, not give back
	cEmployer              // employer, boss, broker, agent
	cDebt                  // debt, owe, pay off
	cNoPay                 // no salary, deducted, until paid
	cLock                  // lock, locked
	cInside                // in, inside, room, door, me/us
	cNotAllow              // not allowed, won't let, ບໍ່ໃຫ້
	cGoOut                 // go out, leave, flee, go home, call home
	cCant                  // can't, cannot
	cLeave                 // leave, go out, escape
	cForce                 // forced, made me, ບັງຄັບ
	cSex                   // sleep with, have sex
	cWork                  // work, job, labour
	cDeceive               // tricked, lied, ຫຼອກ
	cActor                 // someone who acts (employer, husband, he) or a passive marker (ຖືກ, ໂດນ)
	cHit                   // a Lao/Thai verb of hitting, kicking, stabbing
	cVictim                // who or what is hit: me, us, a body part, ໃສ່ (at)
	cPassive               // ຖືກ, ໂດນ, ถูก, โดน
	cSell                  // ຂາຍ, ขาย (sell)
	cEscape                // flee, get out (Lao/Thai)
	cUnable                // ບໍ່ໄດ້, ไม่ได้ (cannot, after the verb)
	cIfNotPay              // if I don't pay, until I pay
	cIfNot                 // if I don't agree, if I flee, if I tell anyone
	cOutcome               // what a threat promises: kill, hurt, deport, report to the police
	cGrab                  // ເອົາ, เอา (take), a "take" only after someone who acts
	cGetBack               // get it back: a "take" only near an employer
	cFear                  // very scared, terrified
	cMenace                // drunk, knocking on the door, at night, a man, following
	cMissing               // cannot be reached, disappeared
	cRelative              // daughter, sister, friend, wife
	cDeprive               // eat, sleep (after "not allowed")
	cWill                  // ຈະ, จะ (will): "will" + a verb of hitting is a threat
	cHitEn                 // an English verb of hitting
	cVictimEn              // whom it hits
	numConcepts
)

// pairRule: concepts a and b within `within` quarter-words of each other
// (a before b when ordered) signal cats, and, when emit is set, are
// themselves a hit of concept emit-1 (so "employer" + "ເອົາ" is a kind of
// "take" that a document word can then meet).
type pairRule struct {
	a, b    uint8
	within  int32
	ordered bool
	cats    catSet
	emit    uint8
}

// pattern is one folded byte string of the automaton and what it means;
// one string can mean several things (a phrase in one stream, a concept
// in another).
type pattern struct {
	text     []byte
	payloads []payload
}

type payload struct {
	stream  uint8
	kind    uint8
	cats    catSet
	flags   uint8
	concept uint8
	country uint8 // index in countryCodes
	score   uint8 // how surely a country cue says where the writer is
	// tones, when set, must equal the tones of the matched letters: for
	// words that differ from another word by tone only (ຂ້າ kill, ຂາ leg).
	tones     []byte
	notNext   [][]byte // the match must not be followed by one of these
	notPrev   [][]byte // nor come right after one of these
	bndBefore bool     // a Lao/Thai match must start a run of letters
	bndAfter  bool     // and end one
}

// builder folds lexicon entries exactly as Detect folds messages, so a
// phrase and a message meet whatever script, spacing or spelling variant
// each uses.
type builder struct {
	d     *Detector
	index map[string]int32
	texts [2][][]byte // per stream
	ids   [2][]int32
	sc    scratch
}

func (b *builder) add(stream uint8, text []byte, pl payload) {
	if len(text) == 0 {
		panic("crisis: empty lexicon entry")
	}
	pl.stream = stream
	key := string(rune('0'+stream)) + string(text)
	id, ok := b.index[key]
	if !ok {
		id = int32(len(b.d.patterns))
		b.index[key] = id
		b.d.patterns = append(b.d.patterns, pattern{text: text})
		b.texts[stream] = append(b.texts[stream], text)
		b.ids[stream] = append(b.ids[stream], id)
	}
	pat := &b.d.patterns[id]
	for i := range pat.payloads {
		if q := &pat.payloads[i]; q.sameMeaning(&pl) {
			q.mergeGuards(&pl)
			return
		}
	}
	pat.payloads = append(pat.payloads, pl)
}

// sameMeaning reports whether two payloads of one pattern say the same
// thing, guards aside: a Lao entry and its Thai translation often fold to
// one text.
func (pl *payload) sameMeaning(o *payload) bool {
	return pl.stream == o.stream && pl.kind == o.kind && pl.cats == o.cats && pl.flags == o.flags &&
		pl.concept == o.concept && pl.country == o.country && pl.score == o.score &&
		bytes.Equal(pl.tones, o.tones) && pl.bndBefore == o.bndBefore && pl.bndAfter == o.bndAfter
}

// mergeGuards makes pl hold the guards of both. Guards written in one
// script do not always fold like the other's words (Lao ນາຍ ends in ຍ,
// Thai นาย in ย, another letter), so each entry's guards must hold for
// both; an entry without guards keeps none.
func (pl *payload) mergeGuards(o *payload) {
	unguarded := func(p *payload) bool { return len(p.notNext) == 0 && len(p.notPrev) == 0 }
	if unguarded(pl) || unguarded(o) {
		pl.notNext, pl.notPrev = nil, nil
		return
	}
	// New slices: one entry's payload is shared by every joining of its words.
	pl.notNext = slices.Concat(pl.notNext, o.notNext)
	pl.notPrev = slices.Concat(pl.notPrev, o.notPrev)
}

// foldTai folds a Lao or Thai phrase to its stream-A bytes and tones.
func (b *builder) foldTai(s string) (text, tones []byte) {
	b.sc.build(knowledge.Normalize(s))
	for i, c := range b.sc.a {
		if c == ' ' {
			continue
		}
		if c < 0x80 {
			panic(fmt.Sprintf("crisis: lexicon entry %q is not all Lao/Thai", s))
		}
		text = append(text, c)
		tones = append(tones, b.sc.aTone[i])
	}
	return text, tones
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// splitGuards cuts "core|g1|g2" into core and guards.
func splitGuards(spec string) (string, []string) {
	parts := strings.Split(spec, "|")
	return parts[0], parts[1:]
}

// tai adds Lao or Thai entries. An entry is matched anywhere in a run of
// letters (spaces ignored). Marks: a leading "=" makes its tones count
// (by default tones are ignored, as many people leave them out); a
// leading "^" or trailing "$" asks for the start or end of a run of
// letters; "|x|y" after it lists what must not follow, "|<x" what must
// not come just before.
func (b *builder) tai(tmpl payload, specs ...string) {
	for _, spec := range specs {
		core, guards := splitGuards(spec)
		pl := tmpl
		if strings.HasPrefix(core, "=") {
			core = core[1:]
			_, pl.tones = b.foldTai(core)
		}
		if strings.HasPrefix(core, "^") {
			core, pl.bndBefore = core[1:], true
		}
		if strings.HasSuffix(core, "$") {
			core, pl.bndAfter = core[:len(core)-1], true
		}
		text, _ := b.foldTai(core)
		for _, g := range guards {
			if isASCII(g) { // " 5": a number after the phrase, as the stream has it
				pl.notNext = append(pl.notNext, []byte(g))
				continue
			}
			if prev, ok := strings.CutPrefix(g, "<"); ok {
				gt, _ := b.foldTai(prev)
				pl.notPrev = append(pl.notPrev, gt)
				continue
			}
			gt, _ := b.foldTai(g)
			pl.notNext = append(pl.notNext, gt)
		}
		b.add(streamText, text, pl)
	}
}

// en adds English (or any Latin-script word) entries: whole words, the
// last one a prefix when it ends in "*" ("lock*" is lock, locked, locks);
// "|w" lists words that must not follow.
func (b *builder) en(tmpl payload, specs ...string) {
	for _, spec := range specs {
		core, guards := splitGuards(spec)
		prefix := strings.HasSuffix(core, "*")
		core = strings.TrimSuffix(core, "*")
		b.sc.build(knowledge.Normalize(core))
		text := append([]byte(nil), b.sc.a...)
		if prefix {
			text = text[:len(text)-1]
		}
		pl := tmpl
		for _, g := range guards {
			b.sc.build(knowledge.Normalize(g))
			pl.notNext = append(pl.notNext, append([]byte(nil), b.sc.a[1:]...))
		}
		b.add(streamText, text, pl)
	}
}

// rom adds romanised-Lao entries: words matched on their romanKey, whole
// words unless the last ends in "*". People join words at will ("bo hai
// ork", "bohai ork", "bohaiork"), so every way of joining the entry's
// words is added. "|w" lists words that must not follow, "|<w" words that
// must not come just before.
func (b *builder) rom(tmpl payload, specs ...string) {
	for _, spec := range specs {
		core, guards := splitGuards(spec)
		prefix := strings.HasSuffix(core, "*")
		words := strings.Fields(strings.ToLower(strings.TrimSuffix(core, "*")))
		if len(words) == 0 || len(words) > 6 {
			panic(fmt.Sprintf("crisis: bad romanised entry %q", spec))
		}
		pl := tmpl
		for _, g := range guards {
			// The '_' between a guard and the entry is the entry's own.
			if prev, ok := strings.CutPrefix(g, "<"); ok {
				gt := romanPhrase(strings.Fields(prev), 0, false)
				pl.notPrev = append(pl.notPrev, gt[:len(gt)-1])
				continue
			}
			pl.notNext = append(pl.notNext, romanPhrase(strings.Fields(g), 0, false)[1:])
		}
		for join := range 1 << (len(words) - 1) {
			b.add(streamRoman, romanPhrase(words, join, prefix), pl)
		}
	}
}

// romanPhrase is the stream-B form of words, word i joined to word i+1
// when bit i of join is set: "_w1_w2_" (the last '_' left out for a
// prefix).
func romanPhrase(words []string, join int, prefix bool) []byte {
	out := []byte{'_'}
	var w []byte
	for i, word := range words {
		for _, c := range []byte(word) {
			if c >= 'a' && c <= 'z' {
				w = append(w, c)
			}
		}
		if i < len(words)-1 && join&(1<<i) != 0 {
			continue
		}
		out = romanKey(out, w)
		out = append(out, '_')
		w = w[:0]
	}
	if prefix {
		out = out[:len(out)-1]
	}
	return out
}

// combo adds, for each head (someone who acts, or a passive marker) and
// each verb, head+verb, and for each verb and each object, verb+object
// (the verb's guards apply where it ends the phrase). Romanised Lao needs
// whole phrases rather than co-occurrence, because people join its words
// at will ("nai jang ti khoy", "naijang tikhoy").
func (b *builder) combo(add func(payload, ...string), sep string, tmpl payload, heads, verbs, objects []string) {
	for _, v := range verbs {
		core, _ := splitGuards(v)
		for _, h := range heads {
			add(tmpl, h+sep+v)
		}
		for _, o := range objects {
			add(tmpl, core+sep+o)
		}
	}
}

// rule adds a co-occurrence rule.
func (b *builder) rule(r pairRule) {
	b.d.rules[r.a] = append(b.d.rules[r.a], r)
	if r.b != r.a {
		b.d.rules[r.b] = append(b.d.rules[r.b], r)
	}
}

func phrase(c catSet) payload    { return payload{kind: kindPhrase, cats: c} }
func flag(f uint8) payload       { return payload{kind: kindPhrase, flags: f} }
func concept(c uint8) payload    { return payload{kind: kindConcept, concept: c} }
func country(c, s uint8) payload { return payload{kind: kindCountry, country: c, score: s} }

// buildLexicon builds a Detector's patterns, rules and automaton.
func buildLexicon() *Detector {
	b := &builder{d: &Detector{}, index: map[string]int32{}}
	lexicon(b)
	for st := range b.d.auto {
		b.d.auto[st] = newAutomaton(b.texts[st], b.ids[st])
	}
	return b.d
}
