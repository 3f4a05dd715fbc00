package store

import (
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestBroadcastBatchesPickEachPersonOnce(t *testing.T) {
	s := openTest(t)
	var ps []*Person
	for range 25 {
		ps = append(ps, addPerson(t, s, "TH"))
	}
	s.StopBroadcasts(ps[3].ID, day0)
	s.UpdatePerson(ps[4].ID, func(p *Person) error { p.Unreachable = true; return nil })
	s.UpdatePerson(ps[5].ID, func(p *Person) error { p.Profile.Country = "KR"; return nil })
	b := &Broadcast{Texts: Texts{"lo": "ສະບາຍດີ"}, Audience: Audience{Countries: []string{"TH"}}}
	if err := s.CreateBroadcast(b, day0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountAudience(b.Audience); n != 22 {
		t.Fatalf("audience %d, want 22", n)
	}
	if _, err := s.StartBroadcastRun(b.ID, 22, day0); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var batches uint64
	for {
		bc, batch, err := s.ReserveBroadcastBatch(b.ID, 10, 1000, day0)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range batch.Recipients {
			if seen[r.PersonID] {
				t.Fatalf("%s picked twice", r.PersonID)
			}
			seen[r.PersonID] = true
			if r.Channel != "telegram" || r.ChatID == "" {
				t.Fatalf("recipient %+v", r)
			}
		}
		if batch.Number > 0 {
			batches = batch.Number
		}
		if bc.Run.Exhausted {
			if bc.Run.Queued != 22 || bc.Run.Skipped != 1 || bc.Run.Unreachable != 1 {
				t.Fatalf("run %+v", bc.Run)
			}
			break
		}
	}
	if len(seen) != 22 || batches != 3 || seen[ps[3].ID] || seen[ps[4].ID] || seen[ps[5].ID] {
		t.Fatalf("picked %d in %d batches", len(seen), batches)
	}
	pend, _ := s.PendingDeliveries(b.ID, 1)
	if len(pend) != 22 {
		t.Fatalf("pending %d", len(pend))
	}
	var results []BroadcastResult
	for id := range seen {
		results = append(results, BroadcastResult{ID: b.ID, Run: 1, PersonID: id, Result: ResultSent})
	}
	results[0].Result = ResultHeld
	s.RecordBroadcastResults(results, day0)
	s.RecordBroadcastResults(results, day0) // again: counted once
	got, _ := s.Broadcast(b.ID)
	if got.Run.Sent != 21 || got.Run.Held != 1 || !got.Run.Done() {
		t.Fatalf("run %+v", got.Run)
	}
	next := day0.Add(24 * time.Hour)
	if done, err := s.FinishBroadcastRun(b.ID, 1, next, day0); err != nil || done.Status != BroadcastScheduled {
		t.Fatalf("%v %+v", err, done)
	}
	if due, _ := s.DueBroadcasts(day0); len(due) != 0 {
		t.Fatalf("due before its next time: %+v", due)
	}
	if due, _ := s.DueBroadcasts(next); len(due) != 1 {
		t.Fatalf("not due at its next time")
	}
}

func TestAudienceByTopicPlaceLanguageAndChannel(t *testing.T) {
	s := openTest(t)
	a, b, c := addPerson(t, s, "LA"), addPerson(t, s, "LA"), addPerson(t, s, "LA")
	s.UpdatePerson(a.ID, func(p *Person) error { p.Profile.Province = "VT"; return nil })
	s.UpdateSubscription(a.ID, func(sub *Subscription) { sub.Topics = []Topic{TopicCourses} }, day0)
	s.UpdateSubscription(b.ID, func(sub *Subscription) {
		sub.Topics, sub.Provinces = []Topic{TopicCourses, TopicEvents}, []string{"CH"}
	}, day0)
	s.UpdatePerson(c.ID, func(p *Person) error { p.Lang = "th"; return nil })
	for _, tc := range []struct {
		a    Audience
		want int
	}{
		{Audience{}, 3},
		{Audience{Topic: TopicCourses}, 2},
		{Audience{Topic: TopicEvents}, 1},
		{Audience{Topic: TopicCourses, Provinces: []string{"VT"}}, 1},
		{Audience{Provinces: []string{"CH", "VT"}}, 2},
		{Audience{Langs: []string{"th"}}, 1},
		{Audience{Channels: []string{"messenger"}}, 0},
		{Audience{Statuses: []Status{StatusReturned}}, 0},
	} {
		if n, _ := s.CountAudience(tc.a); n != tc.want {
			t.Errorf("%+v: %d, want %d", tc.a, n, tc.want)
		}
	}
}

func TestBroadcastRefRoundTrip(t *testing.T) {
	id, run, ok := ParseBroadcastRef(BroadcastRef("b12", 3))
	if !ok || id != "b12" || run != 3 {
		t.Fatal(id, run, ok)
	}
	for _, bad := range []string{"reminder:x", "broadcast:", "broadcast:b1", "broadcast:b1:x", "broadcast::1"} {
		if _, _, ok := ParseBroadcastRef(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestNextRecurrence(t *testing.T) {
	vte := LaoTime()
	next, err := NextRecurrence("0 9 * * 1", time.Date(2026, 11, 22, 12, 0, 0, 0, vte), vte) // a Sunday
	if err != nil || !next.Equal(time.Date(2026, 11, 23, 9, 0, 0, 0, vte)) {
		t.Fatal(next, err)
	}
	if _, err := NextRecurrence("not cron", day0, vte); err == nil {
		t.Fatal("bad spec accepted")
	}
}

// TestReleaseResidentKeepsData: pages released from resident memory in the
// middle of a scan read back the same, in the same transaction and later.
func TestReleaseResidentKeepsData(t *testing.T) {
	s := openTest(t)
	var subs []NewSubscriber
	for i := range releaseEvery + 500 {
		subs = append(subs, NewSubscriber{
			Person:   Person{Lang: "lo", Profile: Profile{Country: "TH"}},
			Identity: Identity{Channel: "telegram", PlatformID: strconv.Itoa(100000 + i)},
			Topics:   []Topic{TopicNews},
		})
	}
	if err := s.CreateSubscribers(subs, day0); err != nil {
		t.Fatal(err)
	}
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketPersons).Cursor()
		k, v := c.First()
		before := string(k) + string(v)
		releaseResident(tx)
		if string(k)+string(v) != before {
			t.Errorf("a record read before the release changed")
		}
		if k2, v2 := c.Next(); k2 == nil || len(v2) == 0 {
			t.Errorf("the scan cannot go on after a release")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := s.CountAudience(Audience{Topic: TopicNews}); err != nil || n != len(subs) {
		t.Fatalf("audience %d, %v; want %d", n, err, len(subs))
	}
}
