package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"phuan/bot"
)

// Name is the channel's name in messages and the store.
const Name = "console"

// Submitter accepts messages; *bot.Engine is one.
type Submitter interface {
	Submit(m bot.Message) (duplicate bool, err error)
}

// Console is a channel on a terminal, for one person at a time.
type Console struct {
	out   io.Writer
	lang  string
	clock bot.Clock

	mu      sync.Mutex
	user    string                  // who is typing
	chat    string                  // where: the user's private chat, or the moderators' room
	room    string                  // the moderators' room chat id; "" when there is none
	buttons map[string][]bot.Button // chat → buttons of the last message shown there
	seq     int64
	runID   int64
}

// New returns a console writing to out. user is who is typing; lang, if
// set, is passed on as the platform language code.
func New(out io.Writer, user, lang string, clock bot.Clock) *Console {
	if clock == nil {
		clock = bot.SystemClock{}
	}
	return &Console{out: out, user: user, chat: user, lang: lang, clock: clock,
		buttons: map[string][]bot.Button{}, runID: clock.Now().UnixNano()}
}

// Moderator is the user id of the moderator typing in the console room.
const Moderator = "moderator"

// WithRoom lets "/as moderator" switch the typist to a moderator writing in
// the console's moderators' room, and "/as NAME" back to a person.
func (c *Console) WithRoom(room string) *Console {
	c.room = room
	return c
}

// Name returns "console".
func (c *Console) Name() string { return Name }

// Send prints a reply: its text, its buttons numbered, a blank line.
// Replies for another chat than the current user's are headed with it.
func (c *Console) Send(_ context.Context, d bot.Delivery) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	if d.ChatID != c.chat {
		fmt.Fprintf(&b, "[to %s]\n", d.ChatID)
	}
	b.WriteString(d.Reply.Text)
	b.WriteByte('\n')
	for _, m := range d.Reply.Media {
		fmt.Fprintf(&b, "  (%s %s)\n", m.Kind, m.Ref)
	}
	var flat []bot.Button
	for _, row := range d.Reply.Buttons {
		flat = append(flat, row...)
	}
	for i, btn := range flat {
		if btn.URL != "" {
			fmt.Fprintf(&b, "  [%d] %s <%s>\n", i+1, btn.Label, btn.URL)
		} else {
			fmt.Fprintf(&b, "  [%d] %s\n", i+1, btn.Label)
		}
	}
	b.WriteByte('\n')
	if len(flat) > 0 {
		c.buttons[d.ChatID] = flat
	}
	_, err := io.WriteString(c.out, b.String())
	return err
}

// Run reads in line by line until EOF or ctx ends. After each line it
// calls settle, which returns when the bot has answered (engine and sender
// idle), so output stays in order even when input is piped.
func (c *Console) Run(ctx context.Context, in io.Reader, sub Submitter, settle func(context.Context) error) error {
	r := bufio.NewReader(in)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			if serr := c.submit(sub, strings.TrimRight(line, "\r\n")); serr != nil {
				return serr
			}
			if serr := settle(ctx); serr != nil {
				return serr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read input: %w", err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

func (c *Console) submit(sub Submitter, line string) error {
	if who, ok := strings.CutPrefix(strings.TrimSpace(line), "/as "); ok && c.room != "" {
		c.switchTo(strings.TrimSpace(who))
		return nil
	}
	c.mu.Lock()
	c.seq++
	m := bot.Message{
		ID:           fmt.Sprintf("%d-%d", c.runID, c.seq),
		Channel:      Name,
		ChatID:       c.chat,
		ChatType:     bot.ChatPrivate,
		UserID:       c.user,
		UserName:     c.user,
		LanguageCode: c.lang,
		Time:         c.clock.Now(),
	}
	if c.chat == c.room {
		m.ChatType = bot.ChatGroup
	}
	if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && n >= 1 && n <= len(c.buttons[c.chat]) {
		btn := c.buttons[c.chat][n-1]
		if btn.URL != "" {
			c.mu.Unlock()
			fmt.Fprintf(c.out, "(open %s)\n\n", btn.URL)
			return nil
		}
		m.Payload = btn.Payload
	} else {
		m.Text = line
	}
	c.mu.Unlock()
	if _, err := sub.Submit(m); err != nil {
		return fmt.Errorf("submit message: %w", err)
	}
	return nil
}

// switchTo makes "moderator" type in the room, or anyone else in their
// own private chat, and says so.
func (c *Console) switchTo(who string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if who == "" {
		return
	}
	if who == Moderator {
		c.user, c.chat = Moderator, c.room
		fmt.Fprintf(c.out, "(you are now a moderator in the room %q)\n\n", c.room)
		return
	}
	c.user, c.chat = who, who
	fmt.Fprintf(c.out, "(you are now %s)\n\n", who)
}
