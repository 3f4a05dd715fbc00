package crisis

import "sort"

// automaton is an Aho–Corasick matcher over bytes: every phrase of the
// lexicon is found in one pass over a stream, however many phrases there
// are, with no allocation. Bytes are mapped to classes (only the bytes
// that occur in some phrase have a class of their own) and the goto
// function is a dense table over classes.
type automaton struct {
	class   [256]uint8
	nclass  int
	next    []uint16 // state*nclass + class → state
	outHead []int32  // state → first index in outList, -1 if none
	outList []outRef // pattern ids ending at a state, chained by suffix links
}

// maxStates keeps state numbers in a uint16, which halves the table; the
// lexicon is far below it, and New panics (caught by every test) if it
// ever grows past.
const maxStates = 1 << 16

type outRef struct {
	pattern int32
	next    int32 // next index in outList, -1 at the end
}

// newAutomaton builds the matcher for patterns (non-empty byte strings),
// reporting pattern i as ids[i].
func newAutomaton(patterns [][]byte, ids []int32) *automaton {
	a := &automaton{}
	// Classes: 0 for bytes no pattern uses.
	var used [256]bool
	for _, p := range patterns {
		for _, c := range p {
			used[c] = true
		}
	}
	a.nclass = 1
	for c := range 256 {
		if used[c] {
			a.class[c] = uint8(a.nclass)
			a.nclass++
		}
	}
	// The trie, with sparse edges while building.
	type node struct {
		edges map[uint8]uint32
		out   []int32
	}
	nodes := []node{{edges: map[uint8]uint32{}}}
	for id, p := range patterns {
		s := uint32(0)
		for _, c := range p {
			k := a.class[c]
			t, ok := nodes[s].edges[k]
			if !ok {
				t = uint32(len(nodes))
				nodes = append(nodes, node{edges: map[uint8]uint32{}})
				nodes[s].edges[k] = t
			}
			s = t
		}
		nodes[s].out = append(nodes[s].out, ids[id])
	}
	if len(nodes) > maxStates {
		panic("crisis: lexicon too large for the automaton")
	}
	// Breadth-first: failure links and the dense goto table.
	n := len(nodes)
	a.next = make([]uint16, n*a.nclass)
	fail := make([]uint32, n)
	a.outHead = make([]int32, n)
	queue := make([]uint32, 0, n)
	keys := func(m map[uint8]uint32) []uint8 {
		ks := make([]uint8, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
		return ks
	}
	for _, k := range keys(nodes[0].edges) {
		t := nodes[0].edges[k]
		a.next[int(k)] = uint16(t)
		queue = append(queue, t)
	}
	a.outHead[0] = -1
	for head := 0; head < len(queue); head++ {
		s := queue[head]
		// Outputs: this state's own, then its failure state's chain.
		a.outHead[s] = a.outHead[fail[s]]
		for _, p := range nodes[s].out {
			a.outList = append(a.outList, outRef{pattern: p, next: a.outHead[s]})
			a.outHead[s] = int32(len(a.outList) - 1)
		}
		row := int(s) * a.nclass
		frow := int(fail[s]) * a.nclass
		copy(a.next[row:row+a.nclass], a.next[frow:frow+a.nclass])
		for _, k := range keys(nodes[s].edges) {
			t := nodes[s].edges[k]
			fail[t] = uint32(a.next[frow+int(k)])
			a.next[row+int(k)] = uint16(t)
			queue = append(queue, t)
		}
	}
	return a
}

// scan calls found for every pattern occurrence in text, with the index
// of its last byte, left to right.
func (a *automaton) scan(text []byte, found func(pattern int32, end int)) {
	s := uint16(0)
	for i, c := range text {
		s = a.next[int(s)*a.nclass+int(a.class[c])]
		for o := a.outHead[s]; o >= 0; o = a.outList[o].next {
			found(a.outList[o].pattern, i)
		}
	}
}

// size is the number of states and the bytes of the goto table.
func (a *automaton) size() (states, bytes int) { return len(a.outHead), 2 * len(a.next) }
