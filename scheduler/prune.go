package scheduler

import (
	"context"
	"log/slog"
	"time"
)

// SeenRetention is how long processed update ids are kept for de-duplication.
const SeenRetention = 7 * 24 * time.Hour

// SeenPruner is the store the pruning job needs.
type SeenPruner interface {
	PruneSeen(cutoff time.Time) (int, error)
}

// PruneSeen returns the daily job that forgets processed update ids older
// than SeenRetention.
func PruneSeen(st SeenPruner, logger *slog.Logger) Job {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	log := logger.With("component", "scheduler")
	return JobFunc(func(_ context.Context, now time.Time) error {
		n, err := st.PruneSeen(now.Add(-SeenRetention))
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("pruned processed update ids", "count", n)
		}
		return nil
	})
}
