package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Delivery is one outbox item handed to a channel.
type Delivery struct {
	Seq      uint64
	ChatID   string
	ThreadID string
	Group    bool
	PersonID string
	Purpose  Purpose
	Reply    Reply
	Ref      string
	Attempt  int // 1 on the first try
	// A reply the platform takes in several messages goes on after the
	// PartsSent it accepted already (on a retry, or after a restart). A
	// channel calls Progress, when set, with the number of parts accepted
	// after each part but the last; the sender stores it at once, so a
	// crash repeats at most the part in flight.
	PartsSent int
	Progress  func(parts int)
}

// Accepted tells d's Progress that parts parts were accepted.
func (d Delivery) Accepted(parts int) {
	if d.Progress != nil {
		d.Progress(parts)
	}
}

// Channel is a messaging platform the sender delivers to. Send returns nil
// once the platform accepted the whole reply, or an error, ideally a
// *SendError saying what to do next.
type Channel interface {
	Name() string
	Send(ctx context.Context, d Delivery) error
}

// SendErrorKind classifies a failed send once, where the platform's answer is understood.
type SendErrorKind int

// Kinds of send failure.
const (
	// Transient: network error or 5xx; back off and retry.
	Transient SendErrorKind = iota
	// Throttled: the platform asked to wait RetryAfter; order is kept.
	Throttled
	// Permanent: the message can never be delivered as it is; record it.
	Permanent
	// Unreachable: the person blocked the bot or is gone; mark them, stop.
	Unreachable
	// ChatMoved: the chat has a new id (NewChatID); move and resend.
	ChatMoved
	// Held: the platform does not allow sending now (Messenger's window);
	// keep the message until the person writes again.
	Held
)

func (k SendErrorKind) String() string {
	switch k {
	case Transient:
		return "transient"
	case Throttled:
		return "throttled"
	case Permanent:
		return "permanent"
	case Unreachable:
		return "unreachable"
	case ChatMoved:
		return "chat_moved"
	case Held:
		return "held"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// SendError is a classified send failure.
type SendError struct {
	Kind       SendErrorKind
	RetryAfter time.Duration // with Throttled
	NewChatID  string        // with ChatMoved
	Err        error
}

func (e *SendError) Error() string {
	if e.Err == nil {
		return "send: " + e.Kind.String()
	}
	return "send: " + e.Kind.String() + ": " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

// ClassifySendError returns the kind of err: a *SendError's own kind, or
// Transient for anything unclassified.
func ClassifySendError(err error) *SendError {
	var se *SendError
	if errors.As(err, &se) {
		return se
	}
	return &SendError{Kind: Transient, Err: err}
}

// Limits are a channel's send rate limits. Zero values mean no limit.
type Limits struct {
	PerSecond        float64 // all chats together
	Burst            int
	PerChatPerSecond float64 // one private chat
	PerChatBurst     int
	PerGroupPerMin   float64 // one group chat
}
