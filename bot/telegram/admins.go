package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"phuan/bot"
)

// adminsTTL is how long a group's list of admins is trusted; adminsTimeout
// bounds asking for it, since the update waits (a member is assumed after).
const (
	adminsTTL     = 10 * time.Minute
	adminsTimeout = 5 * time.Second
)

// groupAdmins is a group's admins as Telegram last listed them.
type groupAdmins struct {
	at  time.Time
	ids map[string]bool
}

// markGroupAdmin sets FromGroupAdmin on a command or button press in a
// group whose sender is one of its admins: an anonymous admin (who writes
// as the group itself) or a member listed by getChatAdministrators, asked
// at most every ten minutes a group. Other group messages are left alone,
// so ordinary questions cost no request. When Telegram cannot be asked,
// the sender is taken for a member: nothing a member may not do is done.
func (c *Channel) markGroupAdmin(m *bot.Message) {
	if m.ChatType != bot.ChatGroup || (m.Payload == "" && !strings.HasPrefix(m.Text, "/")) || m.UserID == "" {
		return
	}
	if m.UserID == m.ChatID {
		m.FromGroupAdmin = true
		return
	}
	now := c.clock.Now()
	c.mu.Lock()
	cached, ok := c.admins[m.ChatID]
	c.mu.Unlock()
	if !ok || now.Sub(cached.at) > adminsTTL {
		ids, err := c.fetchAdmins(m.ChatID)
		if err != nil {
			c.log.Warn("could not list the group's admins; the sender is taken for a member", "err", err)
			return
		}
		cached = groupAdmins{at: now, ids: ids}
		c.mu.Lock()
		if len(c.admins) >= maxCachedGroups {
			clear(c.admins)
		}
		c.admins[m.ChatID] = cached
		c.mu.Unlock()
	}
	m.FromGroupAdmin = cached.ids[m.UserID]
}

// maxCachedGroups bounds the cache of admin lists.
const maxCachedGroups = 10000

func (c *Channel) fetchAdmins(chatID string) (map[string]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), adminsTimeout)
	defer cancel()
	raw, err := c.call(ctx, "getChatAdministrators", tgbotapi.Params{"chat_id": chatID})
	if err != nil {
		return nil, err
	}
	var members []struct {
		Status string `json:"status"`
		User   struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("decode getChatAdministrators answer: %w", err)
	}
	ids := map[string]bool{}
	for _, mem := range members {
		if mem.Status == "creator" || mem.Status == "administrator" {
			ids[id(mem.User.ID)] = true
		}
	}
	return ids, nil
}
