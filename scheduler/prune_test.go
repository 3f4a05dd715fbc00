package scheduler

import (
	"context"
	"testing"
	"time"
)

func TestPruneSeenForgetsIDsOlderThanSevenDays(t *testing.T) {
	st := openStore(t)
	for i, age := range []time.Duration{8 * 24 * time.Hour, 7*24*time.Hour + time.Minute, 6 * 24 * time.Hour} {
		if _, _, err := st.AcceptInbound("telegram:"+string(rune('a'+i)), []byte("{}"), day0.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	if err := PruneSeen(st, nil).Run(context.Background(), day0); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{false, false, true} {
		if seen, _ := st.Seen("telegram:" + string(rune('a'+i))); seen != want {
			t.Errorf("id %d seen=%v, want %v", i, seen, want)
		}
	}
}
