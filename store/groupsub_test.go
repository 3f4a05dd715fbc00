package store

import "testing"

// TestGroupSubscriptionLifecycle: created by a first topic, removed with
// its last; followed to a supergroup's new id; removed when the bot left.
func TestGroupSubscriptionLifecycle(t *testing.T) {
	s := openTest(t)
	g, err := s.GroupSubscription("telegram", "-1")
	if err != nil || len(g.Topics) != 0 {
		t.Fatalf("a group never subscribed: %+v, %v", g, err)
	}
	add := func(chat string, topic Topic) {
		t.Helper()
		if _, err := s.UpdateGroupSubscription("telegram", chat, func(g *GroupSubscription) {
			g.Lang, g.Topics = "lo", append(g.Topics, topic)
		}, day0); err != nil {
			t.Fatal(err)
		}
	}
	add("-1", TopicEvents)
	if err := s.MoveGroupSubscription("telegram", "-1", "-1001"); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.GroupSubscription("telegram", "-1"); len(g.Topics) != 0 {
		t.Fatalf("the old id still subscribed: %+v", g)
	}
	if g, _ := s.GroupSubscription("telegram", "-1001"); g.ChatID != "-1001" || !g.Has(TopicEvents) || g.Lang != "lo" {
		t.Fatalf("moved subscription %+v", g)
	}
	if _, err := s.UpdateGroupSubscription("telegram", "-1001", func(g *GroupSubscription) { g.Topics = nil }, day0); err != nil {
		t.Fatal(err)
	}
	if removed, err := s.RemoveGroupSubscription("telegram", "-1001"); err != nil || removed {
		t.Fatalf("a subscription without topics was kept: %v %v", removed, err)
	}
	add("-2", TopicNews)
	if removed, err := s.RemoveGroupSubscription("telegram", "-2"); err != nil || !removed {
		t.Fatalf("remove: %v %v", removed, err)
	}
	if n, _ := s.CountAudience(Audience{}); n != 0 {
		t.Fatalf("audience %d after every group left", n)
	}
}
