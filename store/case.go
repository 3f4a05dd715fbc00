package store

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets of cases, created on first use:
//   - cases: sequence number (8 bytes, big endian) → Case (JSON) without
//     its timeline and transcript;
//   - case_entries: sequence number, list (entryTimeline or
//     entryTranscript), then the bucket's own sequence (8 bytes, big
//     endian) → CaseEntry (JSON). Kept apart so that adding a message to
//     a long case writes that message, not the whole case again;
//   - case_chats: channel + chat id → caseChat (JSON): the chat's alias and cases;
//   - case_threads: thread id in the moderators' room → sequence number;
//   - case_aliases: alias → channel + chat id, so no two chats share an alias.
var (
	bucketCases       = []byte("cases")
	bucketCaseEntries = []byte("case_entries")
	bucketCaseChats   = []byte("case_chats")
	bucketCaseThreads = []byte("case_threads")
	bucketCaseAliases = []byte("case_aliases")
)

// The two lists of a case in case_entries.
const (
	entryTimeline   byte = 'l'
	entryTranscript byte = 't'
)

// ErrCaseOpen is returned by OpenCase when the chat already has an open case.
var ErrCaseOpen = errors.New("the chat already has an open case")

// CaseStatus says whether a case is being worked on.
type CaseStatus string

// Case statuses.
const (
	CaseOpen   CaseStatus = "open"
	CaseClosed CaseStatus = "closed"
)

// Actors in a case timeline besides moderators (whose entries carry their
// label as moderators see it).
const (
	ActorPerson = "person"
	ActorSystem = "system"
)

// Transcript actions.
const (
	FromPerson = "from_person"
	FromHelper = "from_helper"
)

// CaseMedia is a reference to an attachment kept on the platform, never its bytes.
type CaseMedia struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
	MIME string `json:"mime,omitempty"`
}

// CaseEntry is one line of a case's timeline (who did what, when) or of
// its transcript (what the person and the helpers said).
type CaseEntry struct {
	At     time.Time   `json:"at"`
	Actor  string      `json:"actor"`  // ActorPerson, ActorSystem or a moderator's label
	Action string      `json:"action"` // "opened", "claimed", "note"… or FromPerson / FromHelper
	Text   string      `json:"text,omitempty"`
	Media  []CaseMedia `json:"media,omitempty"`
}

// Case is a person's request for a human helper.
type Case struct {
	ID       string `json:"id"` // "C-0042"
	Seq      uint64 `json:"seq"`
	Channel  string `json:"channel,omitempty"`
	ChatID   string `json:"chat_id,omitempty"`
	PersonID string `json:"person_id,omitempty"` // empty for someone who declined the privacy notice
	Lang     string `json:"lang,omitempty"`      // the person's language, for what the bot tells them
	// Alias is the pseudonym moderators see ("7K2", shown as "Friend-7K2"):
	// random, the same for every case of one chat, not derived from its id.
	Alias     string `json:"alias,omitempty"`
	Category  string `json:"category,omitempty"`
	Country   string `json:"country,omitempty"`
	InDanger  bool   `json:"in_danger,omitempty"`
	Urgent    bool   `json:"urgent,omitempty"`
	ShareName bool   `json:"share_name,omitempty"` // the person let moderators see SharedName
	// SharedName is the person's name or username as the platform gives
	// it, kept only when ShareName is set.
	SharedName string     `json:"shared_name,omitempty"`
	Status     CaseStatus `json:"status"`
	Acked      bool       `json:"acked,omitempty"` // the person was told their messages reach the helpers

	OpenedAt       time.Time `json:"opened_at"`
	UrgentAt       time.Time `json:"urgent_at,omitzero"`
	ClaimedAt      time.Time `json:"claimed_at,omitzero"`
	FirstAnswerAt  time.Time `json:"first_answer_at,omitzero"`
	LastPersonAt   time.Time `json:"last_person_at,omitzero"`
	LastHelperAt   time.Time `json:"last_helper_at,omitzero"`
	ClosedAt       time.Time `json:"closed_at,omitzero"`
	ReopenedAt     time.Time `json:"reopened_at,omitzero"`
	AnnouncedAt    time.Time `json:"announced_at,omitzero"` // last urgent re-announcement
	RemindedAt     time.Time `json:"reminded_at,omitzero"`  // last waiting-for-an-answer reminder
	ClosedByPerson bool      `json:"closed_by_person,omitempty"`

	ClaimedBy     string `json:"claimed_by,omitempty"`      // the claiming moderator's key (channel:user id)
	ClaimedByName string `json:"claimed_by_name,omitempty"` // and their name as moderators see it
	Outcome       string `json:"outcome,omitempty"`
	ThreadID      string `json:"thread_id,omitempty"` // the case's topic in the moderators' room

	Timeline   []CaseEntry `json:"timeline,omitempty"`
	Transcript []CaseEntry `json:"transcript,omitempty"`

	// Erased is set when the person's data was erased: only the category,
	// country, dates, urgency and outcome are left, for counts.
	Erased bool `json:"erased,omitempty"`
}

// Log appends an entry to the timeline.
func (c *Case) Log(at time.Time, actor, action, text string) {
	c.Timeline = append(c.Timeline, CaseEntry{At: at, Actor: actor, Action: action, Text: text})
}

// Waiting reports since when the person has been waiting for a helper's
// answer: their last message when no helper wrote after it.
func (c *Case) Waiting() (time.Time, bool) {
	if c.Status != CaseOpen || c.LastPersonAt.IsZero() || !c.LastHelperAt.Before(c.LastPersonAt) {
		return time.Time{}, false
	}
	return c.LastPersonAt, true
}

// CaseID formats a case number: C-0042.
func CaseID(seq uint64) string { return fmt.Sprintf("C-%04d", seq) }

// ParseCaseID reads a case number as people type it: "C-0042", "c42", "42".
func ParseCaseID(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 0 && (s[0] == 'C' || s[0] == 'c') {
		s = strings.TrimPrefix(s[1:], "-")
	}
	if s == "" || len(s) > 12 {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return n, true
}

// caseChat is what is kept per chat: its alias and its cases, oldest first.
type caseChat struct {
	Alias string   `json:"alias"`
	Seqs  []uint64 `json:"seqs"`
}

func caseChatKey(channel, chatID string) []byte { return []byte(channel + "\x00" + chatID) }

// readCaseChat reads a chat's record; a chat without cases has an empty one.
func readCaseChat(tx *bolt.Tx, channel, chatID string) (caseChat, error) {
	var cc caseChat
	chats := tx.Bucket(bucketCaseChats)
	if chats == nil {
		return cc, nil
	}
	raw := chats.Get(caseChatKey(channel, chatID))
	if raw == nil {
		return cc, nil
	}
	if err := json.Unmarshal(raw, &cc); err != nil {
		return cc, fmt.Errorf("decode chat cases: %w", err)
	}
	return cc, nil
}

// OpenCase stores a new case for c.Channel and c.ChatID, giving it the
// next number, the chat's alias (a new random one for a chat's first
// case) and the status open. It fails with ErrCaseOpen when the chat
// already has an open case.
func (s *Store) OpenCase(c *Case) error {
	if c.Channel == "" || c.ChatID == "" {
		return errors.New("open case: channel and chat are required")
	}
	err := s.batch(func(tx *bolt.Tx) error {
		cases, err := tx.CreateBucketIfNotExists(bucketCases)
		if err != nil {
			return err
		}
		chats, err := tx.CreateBucketIfNotExists(bucketCaseChats)
		if err != nil {
			return err
		}
		aliases, err := tx.CreateBucketIfNotExists(bucketCaseAliases)
		if err != nil {
			return err
		}
		key := caseChatKey(c.Channel, c.ChatID)
		var cc caseChat
		if raw := chats.Get(key); raw != nil {
			if err := json.Unmarshal(raw, &cc); err != nil {
				return fmt.Errorf("decode chat cases: %w", err)
			}
		}
		if n := len(cc.Seqs); n > 0 {
			last, err := getCaseHead(tx, cc.Seqs[n-1])
			if err != nil {
				return err
			}
			if last.Status == CaseOpen {
				return ErrCaseOpen
			}
		}
		if cc.Alias == "" {
			if cc.Alias, err = newAlias(aliases); err != nil {
				return err
			}
			if err := aliases.Put([]byte(cc.Alias), key); err != nil {
				return err
			}
		}
		seq, err := cases.NextSequence()
		if err != nil {
			return err
		}
		c.Seq, c.ID, c.Alias, c.Status = seq, CaseID(seq), cc.Alias, CaseOpen
		cc.Seqs = append(cc.Seqs, seq)
		if err := putJSON(chats, key, cc); err != nil {
			return err
		}
		if c.ThreadID != "" {
			if err := putThread(tx, c.ThreadID, seq); err != nil {
				return err
			}
		}
		return writeCase(tx, cases, c)
	})
	if err != nil {
		return fmt.Errorf("open case: %w", err)
	}
	return nil
}

// aliasAlphabet has no 0/O or 1/I, which are easy to confuse.
const aliasAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// newAlias draws a random alias no chat has yet: three characters, more
// when three are crowded.
func newAlias(aliases *bolt.Bucket) (string, error) {
	for try := 0; try < 60; try++ {
		n := 3 + try/20
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("draw alias: %w", err)
		}
		for i := range b {
			b[i] = aliasAlphabet[int(b[i])%len(aliasAlphabet)]
		}
		if aliases.Get(b) == nil {
			return string(b), nil
		}
	}
	return "", errors.New("draw alias: no free alias found")
}

func putThread(tx *bolt.Tx, threadID string, seq uint64) error {
	b, err := tx.CreateBucketIfNotExists(bucketCaseThreads)
	if err != nil {
		return err
	}
	return b.Put([]byte(threadID), u64key(seq))
}

// getCase reads a whole case: its record, timeline and transcript.
func getCase(tx *bolt.Tx, seq uint64) (*Case, error) {
	c, err := getCaseHead(tx, seq)
	if err != nil {
		return nil, err
	}
	if c.Timeline, err = readEntries(tx, seq, entryTimeline); err != nil {
		return nil, err
	}
	if c.Transcript, err = readEntries(tx, seq, entryTranscript); err != nil {
		return nil, err
	}
	return c, nil
}

// getCaseHead reads a case without its timeline and transcript.
func getCaseHead(tx *bolt.Tx, seq uint64) (*Case, error) {
	cases := tx.Bucket(bucketCases)
	if cases == nil {
		return nil, ErrNotFound
	}
	raw := cases.Get(u64key(seq))
	if raw == nil {
		return nil, ErrNotFound
	}
	c := new(Case)
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, fmt.Errorf("decode case %d: %w", seq, err)
	}
	return c, nil
}

// writeCase stores c's record and adds its timeline and transcript
// entries after those already stored.
func writeCase(tx *bolt.Tx, cases *bolt.Bucket, c *Case) error {
	head := *c
	head.Timeline, head.Transcript = nil, nil
	if err := putJSON(cases, u64key(c.Seq), &head); err != nil {
		return err
	}
	if err := appendEntries(tx, c.Seq, entryTimeline, c.Timeline); err != nil {
		return err
	}
	return appendEntries(tx, c.Seq, entryTranscript, c.Transcript)
}

func entryPrefix(seq uint64, list byte) []byte {
	return append(u64key(seq), list)
}

func appendEntries(tx *bolt.Tx, seq uint64, list byte, entries []CaseEntry) error {
	if len(entries) == 0 {
		return nil
	}
	b, err := tx.CreateBucketIfNotExists(bucketCaseEntries)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n, err := b.NextSequence()
		if err != nil {
			return err
		}
		if err := putJSON(b, binary.BigEndian.AppendUint64(entryPrefix(seq, list), n), e); err != nil {
			return err
		}
	}
	return nil
}

// forEntries calls fn with the key and value of each entry of a case's
// list, oldest first.
func forEntries(tx *bolt.Tx, seq uint64, list byte, fn func(k, v []byte) error) error {
	b := tx.Bucket(bucketCaseEntries)
	if b == nil {
		return nil
	}
	prefix := entryPrefix(seq, list)
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// readEntries decodes a case's list in one pass: the stored entries
// joined as one JSON array.
func readEntries(tx *bolt.Tx, seq uint64, list byte) ([]CaseEntry, error) {
	var arr []byte
	forEntries(tx, seq, list, func(_, v []byte) error {
		if arr == nil {
			arr = append(arr, '[')
		} else {
			arr = append(arr, ',')
		}
		arr = append(arr, v...)
		return nil
	})
	if arr == nil {
		return nil, nil
	}
	var out []CaseEntry
	if err := json.Unmarshal(append(arr, ']'), &out); err != nil {
		return nil, fmt.Errorf("decode the entries of case %d: %w", seq, err)
	}
	return out, nil
}

// deleteEntries removes a case's list and says how many entries it held.
func deleteEntries(tx *bolt.Tx, seq uint64, list byte) (int, error) {
	var keys [][]byte
	forEntries(tx, seq, list, func(k, _ []byte) error {
		keys = append(keys, slices.Clone(k))
		return nil
	})
	if len(keys) == 0 {
		return 0, nil
	}
	return len(keys), deleteKeys(tx.Bucket(bucketCaseEntries), keys)
}

// Case reads a case by its number ("C-0042", "42"), or ErrNotFound.
func (s *Store) Case(id string) (*Case, error) {
	seq, ok := ParseCaseID(id)
	if !ok {
		return nil, fmt.Errorf("read case: %w", ErrNotFound)
	}
	var c *Case
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		c, err = getCase(tx, seq)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read case %s: %w", CaseID(seq), err)
	}
	return c, nil
}

// UpdateCase reads a case, applies change and writes it back atomically.
// change gets the case without its timeline and transcript, which it may
// append to: what it appends is added after the stored entries, so the
// cost does not grow with the case. The case returned holds only those new
// entries; Case reads the whole. A change that returns an error leaves the
// case as it was. The thread index follows a changed ThreadID. The write
// shares a group commit, so change may run more than once, each time on a
// fresh copy: it must only change its argument and what it sets afresh.
func (s *Store) UpdateCase(id string, change func(*Case) error) (*Case, error) {
	seq, ok := ParseCaseID(id)
	if !ok {
		return nil, fmt.Errorf("update case: %w", ErrNotFound)
	}
	var c *Case
	err := s.batch(func(tx *bolt.Tx) error {
		var err error
		if c, err = getCaseHead(tx, seq); err != nil {
			return err
		}
		if c.Erased {
			return ErrNotFound
		}
		oldThread := c.ThreadID
		if err := change(c); err != nil {
			return err
		}
		c.Seq, c.ID = seq, CaseID(seq)
		if c.ThreadID != oldThread {
			if b := tx.Bucket(bucketCaseThreads); b != nil && oldThread != "" {
				if err := b.Delete([]byte(oldThread)); err != nil {
					return err
				}
			}
			if c.ThreadID != "" {
				if err := putThread(tx, c.ThreadID, seq); err != nil {
					return err
				}
			}
		}
		return writeCase(tx, tx.Bucket(bucketCases), c)
	})
	if err != nil {
		return nil, fmt.Errorf("update case %s: %w", CaseID(seq), err)
	}
	return c, nil
}

// LatestCase returns the newest case of a chat, open or closed, or ErrNotFound.
func (s *Store) LatestCase(channel, chatID string) (*Case, error) {
	return s.latestCase(channel, chatID, getCase)
}

// CurrentCase is LatestCase without the case's timeline and transcript:
// what a person's every message needs to know (is a case open, which one),
// without reading the two lists that grow with the case.
func (s *Store) CurrentCase(channel, chatID string) (*Case, error) {
	return s.latestCase(channel, chatID, getCaseHead)
}

func (s *Store) latestCase(channel, chatID string, get func(*bolt.Tx, uint64) (*Case, error)) (*Case, error) {
	var c *Case
	err := s.view(func(tx *bolt.Tx) error {
		cc, err := readCaseChat(tx, channel, chatID)
		if err != nil {
			return err
		}
		if len(cc.Seqs) == 0 {
			return ErrNotFound
		}
		c, err = get(tx, cc.Seqs[len(cc.Seqs)-1])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read latest case of a chat: %w", err)
	}
	return c, nil
}

// ChatCases lists every case of a chat, oldest first (erased ones excluded).
func (s *Store) ChatCases(channel, chatID string) ([]*Case, error) {
	var out []*Case
	err := s.view(func(tx *bolt.Tx) error {
		cc, err := readCaseChat(tx, channel, chatID)
		if err != nil {
			return err
		}
		for _, seq := range cc.Seqs {
			c, err := getCase(tx, seq)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if !c.Erased {
				out = append(out, c)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list cases of a chat: %w", err)
	}
	return out, nil
}

// OpenCaseOf returns the open case of a chat, or ErrNotFound.
func (s *Store) OpenCaseOf(channel, chatID string) (*Case, error) {
	c, err := s.LatestCase(channel, chatID)
	if err != nil {
		return nil, err
	}
	if c.Status != CaseOpen {
		return nil, fmt.Errorf("read open case of a chat: %w", ErrNotFound)
	}
	return c, nil
}

// CaseByThread returns the case whose topic in the moderators' room is
// threadID, without its timeline and transcript.
func (s *Store) CaseByThread(threadID string) (*Case, error) {
	var c *Case
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCaseThreads)
		if b == nil || threadID == "" {
			return ErrNotFound
		}
		raw := b.Get([]byte(threadID))
		if len(raw) != 8 {
			return ErrNotFound
		}
		var err error
		c, err = getCaseHead(tx, binary.BigEndian.Uint64(raw))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read case by thread: %w", err)
	}
	return c, nil
}

// CaseFilter selects cases; the zero filter selects every case not erased.
type CaseFilter struct {
	Status     CaseStatus // "" for any
	UrgentOnly bool
	ClaimedBy  string // a moderator's key; "" for anyone
	WithErased bool
}

func (f CaseFilter) match(c *Case) bool {
	switch {
	case c.Erased && !f.WithErased:
		return false
	case f.Status != "" && c.Status != f.Status:
		return false
	case f.UrgentOnly && !c.Urgent:
		return false
	case f.ClaimedBy != "" && c.ClaimedBy != f.ClaimedBy:
		return false
	}
	return true
}

// Cases lists the cases f selects, oldest first, without their timelines
// and transcripts.
func (s *Store) Cases(f CaseFilter) ([]*Case, error) {
	var out []*Case
	err := s.view(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCases)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			var c Case
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode case %d: %w", binary.BigEndian.Uint64(k), err)
			}
			if f.match(&c) {
				out = append(out, &c)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return out, nil
}

// CaseStats are the counts moderators see with /stats.
type CaseStats struct {
	Total       int // every case ever opened, erased ones included
	Open        int
	Urgent      int // open and urgent
	Unclaimed   int // open and not claimed
	ClosedSince int // closed at or after the since time
	Answered    int // cases a helper answered
	// MedianFirstAnswer is the median time from opening to a helper's
	// first answer over answered cases.
	MedianFirstAnswer time.Duration
	ByCategory        map[string]int // every case, by category ("" when not told)
}

// CaseStats counts cases, erased ones included.
func (s *Store) CaseStats(since time.Time) (CaseStats, error) {
	all, err := s.Cases(CaseFilter{WithErased: true})
	if err != nil {
		return CaseStats{}, fmt.Errorf("count cases: %w", err)
	}
	st := CaseStats{ByCategory: map[string]int{}}
	var waits []time.Duration
	for _, c := range all {
		st.Total++
		st.ByCategory[c.Category]++
		if c.Status == CaseOpen {
			st.Open++
			if c.Urgent {
				st.Urgent++
			}
			if c.ClaimedBy == "" {
				st.Unclaimed++
			}
		}
		if c.Status == CaseClosed && !c.ClosedAt.Before(since) {
			st.ClosedSince++
		}
		if !c.FirstAnswerAt.IsZero() {
			waits = append(waits, c.FirstAnswerAt.Sub(c.OpenedAt))
		}
	}
	st.Answered = len(waits)
	if n := len(waits); n > 0 {
		slices.Sort(waits)
		st.MedianFirstAnswer = waits[n/2]
		if n%2 == 0 {
			st.MedianFirstAnswer = (waits[n/2-1] + waits[n/2]) / 2
		}
	}
	return st, nil
}

// EraseChatCases erases every case of a chat, as when the person erases
// their data: each case keeps only its number, category, country,
// urgency, dates and outcome, for counts; an open case is closed with the
// outcome "erased". The chat's alias is given up. It returns the numbers
// of the cases it erased. Freed pages still hold the old bytes until the
// file is compacted.
func (s *Store) EraseChatCases(channel, chatID string, now time.Time) ([]string, error) {
	var ids []string
	err := s.update(func(tx *bolt.Tx) error {
		chats := tx.Bucket(bucketCaseChats)
		if chats == nil {
			return nil
		}
		key := caseChatKey(channel, chatID)
		raw := chats.Get(key)
		if raw == nil {
			return nil
		}
		var cc caseChat
		if err := json.Unmarshal(raw, &cc); err != nil {
			return fmt.Errorf("decode chat cases: %w", err)
		}
		cases := tx.Bucket(bucketCases)
		for _, seq := range cc.Seqs {
			c, err := getCaseHead(tx, seq)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if c.ThreadID != "" {
				if b := tx.Bucket(bucketCaseThreads); b != nil {
					if err := b.Delete([]byte(c.ThreadID)); err != nil {
						return err
					}
				}
			}
			anon := Case{ID: c.ID, Seq: c.Seq, Category: c.Category, Country: c.Country, InDanger: c.InDanger,
				Urgent: c.Urgent, Status: CaseClosed, OpenedAt: c.OpenedAt, UrgentAt: c.UrgentAt,
				ClaimedAt: c.ClaimedAt, FirstAnswerAt: c.FirstAnswerAt, ClosedAt: c.ClosedAt,
				Outcome: c.Outcome, Erased: true}
			if c.Status == CaseOpen {
				anon.ClosedAt, anon.Outcome = now, "erased"
			}
			if err := writeCase(tx, cases, &anon); err != nil {
				return err
			}
			for _, list := range []byte{entryTimeline, entryTranscript} {
				if _, err := deleteEntries(tx, seq, list); err != nil {
					return err
				}
			}
			ids = append(ids, c.ID)
		}
		if b := tx.Bucket(bucketCaseAliases); b != nil && cc.Alias != "" {
			if err := b.Delete([]byte(cc.Alias)); err != nil {
				return err
			}
		}
		return chats.Delete(key)
	})
	if err != nil {
		return nil, fmt.Errorf("erase cases of a chat: %w", err)
	}
	return ids, nil
}
