package store

import (
	"reflect"
	"sync"
	"testing"
	"time"
)

func TestMessageIDs(t *testing.T) {
	s := openPayloadStore(t)
	now := time.Date(2025, 12, 18, 9, 0, 0, 0, time.UTC)

	// Before anything is recorded the bucket does not exist: reads and
	// forgetting answer "nothing", they do not fail.
	if ids, err := s.RecentMessageIDs("telegram", "700001", now.Add(-48*time.Hour)); err != nil || len(ids) != 0 {
		t.Fatalf("empty store: %v, %v", ids, err)
	}
	if err := s.ForgetMessageIDs("telegram", "700001", []int64{1}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneMessageIDs(now); err != nil || n != 0 {
		t.Fatalf("prune of an empty store = %d, %v", n, err)
	}

	records := []struct {
		channel, chat string
		ids           []int64
		at            time.Time
	}{
		{"telegram", "700001", []int64{10}, now.Add(-50 * time.Hour)}, // too old to delete
		{"telegram", "700001", []int64{11, 12}, now.Add(-47 * time.Hour)},
		{"telegram", "700001", []int64{300}, now.Add(-time.Hour)}, // ids need not rise with time
		{"telegram", "700001", []int64{13}, now.Add(-time.Minute)},
		{"telegram", "700001", []int64{13}, now.Add(-time.Minute)}, // a re-delivered update
		{"telegram", "7000011", []int64{99}, now},                  // a chat whose id extends the first's
		{"telegram", "70000", []int64{98}, now},                    // and one it extends
		{"messenger", "700001", []int64{97}, now},
	}
	// Records of several chats go in one call, as the channel batches them.
	byChannel := map[string][]MessageIDs{}
	for _, r := range records {
		byChannel[r.channel] = append(byChannel[r.channel], MessageIDs{ChatID: r.chat, IDs: r.ids, At: r.at})
	}
	for channel, recs := range byChannel {
		if err := s.RecordMessageIDs(channel, recs...); err != nil {
			t.Fatal(err)
		}
	}

	tests := []struct {
		name          string
		channel, chat string
		since         time.Time
		want          []int64
	}{
		{"last 48 hours, oldest first", "telegram", "700001", now.Add(-48 * time.Hour), []int64{11, 12, 300, 13}},
		{"everything", "telegram", "700001", time.Time{}, []int64{10, 11, 12, 300, 13}},
		{"since is inclusive", "telegram", "700001", now.Add(-time.Minute), []int64{13}},
		{"nothing newer", "telegram", "700001", now.Add(time.Second), nil},
		{"longer chat id", "telegram", "7000011", time.Time{}, []int64{99}},
		{"shorter chat id", "telegram", "70000", time.Time{}, []int64{98}},
		{"other channel", "messenger", "700001", time.Time{}, []int64{97}},
		{"unknown chat", "telegram", "1", time.Time{}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.RecentMessageIDs(tc.channel, tc.chat, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Forgetting removes every record of those ids in that chat only.
	if err := s.ForgetMessageIDs("telegram", "700001", []int64{13, 11, 99}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RecentMessageIDs("telegram", "700001", time.Time{}); !reflect.DeepEqual(got, []int64{10, 12, 300}) {
		t.Fatalf("after forgetting: %v", got)
	}
	if got, _ := s.RecentMessageIDs("telegram", "7000011", time.Time{}); !reflect.DeepEqual(got, []int64{99}) {
		t.Fatalf("forgetting reached another chat: %v", got)
	}

	// Pruning forgets what is older than the cutoff, in every chat.
	n, err := s.PruneMessageIDs(now.Add(-48 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d (%v), want 1", n, err)
	}
	if got, _ := s.RecentMessageIDs("telegram", "700001", time.Time{}); !reflect.DeepEqual(got, []int64{12, 300}) {
		t.Fatalf("after pruning: %v", got)
	}
	if n, _ := s.PruneMessageIDs(now.Add(time.Hour)); n != 5 {
		t.Fatalf("pruned %d, want the 5 left", n)
	}
}

func TestMessageIDsRejectBadInput(t *testing.T) {
	s := openPayloadStore(t)
	now := time.Now()
	for _, tc := range []struct {
		name          string
		channel, chat string
		ids           []int64
	}{
		{"no channel", "", "1", []int64{1}},
		{"no chat", "telegram", "", []int64{1}},
		{"NUL in chat", "telegram", "1\x002", []int64{1}},
		{"zero id", "telegram", "1", []int64{0}},
		{"negative id", "telegram", "1", []int64{5, -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.RecordMessageIDs(tc.channel, MessageIDs{ChatID: tc.chat, IDs: tc.ids, At: now}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	// One bad record fails its whole batch: nothing of it is stored.
	if err := s.RecordMessageIDs("telegram", MessageIDs{ChatID: "2", IDs: []int64{4}, At: now},
		MessageIDs{ChatID: "1", IDs: []int64{-4}, At: now}); err == nil {
		t.Fatal("a batch with a negative id was accepted")
	}
	if got, _ := s.RecentMessageIDs("telegram", "2", time.Time{}); len(got) != 0 {
		t.Fatalf("the good record of a rejected batch was stored: %v", got)
	}
	if _, err := s.RecentMessageIDs("telegram", "", now); err == nil {
		t.Error("listing without a chat id was accepted")
	}
	if err := s.ForgetMessageIDs("", "1", []int64{1}); err == nil {
		t.Error("forgetting without a channel was accepted")
	}
	if got, _ := s.RecentMessageIDs("telegram", "1", time.Time{}); len(got) != 0 {
		t.Fatalf("a rejected record was stored: %v", got)
	}
}

// TestMessageIDsConcurrent: records from many goroutines (the receiver and
// the sender's workers) all land.
func TestMessageIDsConcurrent(t *testing.T) {
	s := openPayloadStore(t)
	now := time.Date(2025, 12, 18, 9, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.RecordMessageIDs("telegram", MessageIDs{ChatID: "700001", IDs: []int64{int64(i + 1)}, At: now.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.RecentMessageIDs("telegram", "700001", now)
	if err != nil || len(got) != 40 {
		t.Fatalf("got %d ids (%v), want 40", len(got), err)
	}
	for i, id := range got {
		if id != int64(i+1) {
			t.Fatalf("ids out of time order: %v", got)
		}
	}
}
