package handlers

import (
	"fmt"

	"phuan/store"
)

// chatCases lists the cases of the turn's chat.
type chatCases interface {
	ChatCases(channel, chatID string) ([]*store.Case, error)
}

// Describe lists the person's cases for /mydata: number, status, category.
func (c *Cases) Describe(t *Turn) ([]string, error) {
	cases, err := c.chatCases(t)
	if err != nil || len(cases) == 0 {
		return nil, err
	}
	lines := []string{t.T("mydata_cases")}
	for _, cs := range cases {
		lines = append(lines, t.T("mydata_case", "id", cs.ID, "status", t.T("mydata_case_"+string(cs.Status)),
			"category", c.categoryName(t.Lang, cs.Category), "opened", cs.OpenedAt.Format("2006-01-02")))
	}
	return lines, nil
}

// Export gives the person's cases, with what they and the helpers wrote.
func (c *Cases) Export(t *Turn) (string, any, error) {
	cases, err := c.chatCases(t)
	if err != nil || len(cases) == 0 {
		return "cases", nil, err
	}
	type exported struct {
		ID         string            `json:"id"`
		Status     store.CaseStatus  `json:"status"`
		Category   string            `json:"category,omitempty"`
		Country    string            `json:"country,omitempty"`
		OpenedAt   string            `json:"opened_at"`
		ClosedAt   string            `json:"closed_at,omitempty"`
		ShareName  bool              `json:"share_name"`
		Transcript []store.CaseEntry `json:"transcript,omitempty"`
	}
	var out []exported
	for _, cs := range cases {
		e := exported{ID: cs.ID, Status: cs.Status, Category: cs.Category, Country: cs.Country,
			OpenedAt: cs.OpenedAt.Format("2006-01-02T15:04Z07:00"), ShareName: cs.ShareName, Transcript: cs.Transcript}
		if !cs.ClosedAt.IsZero() {
			e.ClosedAt = cs.ClosedAt.Format("2006-01-02T15:04Z07:00")
		}
		out = append(out, e)
	}
	return "cases", out, nil
}

func (c *Cases) chatCases(t *Turn) ([]*store.Case, error) {
	lister, ok := c.store.(chatCases)
	if !ok {
		return nil, nil
	}
	cases, err := lister.ChatCases(t.Msg.Channel, t.Msg.ChatID)
	if err != nil {
		return nil, fmt.Errorf("list the person's cases: %w", err)
	}
	return cases, nil
}
