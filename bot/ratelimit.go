package bot

import (
	"sync"
	"time"
)

// tokenBucket allows rate events a second with bursts of up to burst.
type tokenBucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newTokenBucket(rate float64, burst int, now time.Time) *tokenBucket {
	if burst < 1 {
		burst = 1
	}
	return &tokenBucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: now}
}

func (b *tokenBucket) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
		b.last = now
	}
}

// delay says how long to wait before one more event would be allowed.
func (b *tokenBucket) delay(now time.Time) time.Duration {
	b.refill(now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// take reserves one event now; the balance may go negative, which makes
// later callers wait longer.
func (b *tokenBucket) take(now time.Time) time.Duration {
	b.refill(now)
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / b.rate * float64(time.Second))
}

// limiter applies a channel's Limits: one bucket for the whole channel and
// one per chat, the latter forgotten when idle.
type limiter struct {
	limits Limits
	mu     sync.Mutex
	total  *tokenBucket
	chats  map[string]*tokenBucket
	swept  time.Time
}

func newLimiter(l Limits, now time.Time) *limiter {
	lim := &limiter{limits: l, chats: map[string]*tokenBucket{}, swept: now}
	if l.PerSecond > 0 {
		lim.total = newTokenBucket(l.PerSecond, l.Burst, now)
	}
	return lim
}

func (l *limiter) chatBucket(chatID string, group bool, now time.Time) *tokenBucket {
	b := l.chats[chatID]
	if b != nil {
		return b
	}
	switch {
	case group && l.limits.PerGroupPerMin > 0:
		b = newTokenBucket(l.limits.PerGroupPerMin/60, 3, now)
	case l.limits.PerChatPerSecond > 0:
		b = newTokenBucket(l.limits.PerChatPerSecond, l.limits.PerChatBurst, now)
	default:
		return nil
	}
	l.chats[chatID] = b
	return b
}

// chatDelay is how long this chat must wait before its next send; it reserves nothing.
func (l *limiter) chatDelay(chatID string, group bool, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.chatBucket(chatID, group, now); b != nil {
		return b.delay(now)
	}
	return 0
}

// reserve takes one send for chatID and returns how long to wait for the
// channel-wide limit before sending.
func (l *limiter) reserve(chatID string, group bool, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.chatBucket(chatID, group, now); b != nil {
		b.take(now)
	}
	l.sweep(now)
	if l.total == nil {
		return 0
	}
	return l.total.take(now)
}

// sweep forgets chat buckets that are full again, once a minute.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for id, b := range l.chats {
		b.refill(now)
		if b.tokens >= b.burst {
			delete(l.chats, id)
		}
	}
}
