package messenger

import (
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"phuan/bot"
)

// sendAt sends a one-line reply of the given purpose to a person whose last
// message was at baseTime, with the clock at baseTime+age.
func sendAt(t *testing.T, age time.Duration, purpose bot.Purpose, humanAgent bool) ([]graphCall, error) {
	t.Helper()
	st := openStore(t)
	if err := st.RecordContact(ChannelName, psidA, baseTime()); err != nil {
		t.Fatal(err)
	}
	g := newFakeGraph(t)
	ch := newTestChannel(t, g, st, newClock(baseTime().Add(age)), nil, func(c *Config) { c.HumanAgent = humanAgent })
	err := ch.Send(t.Context(), bot.Delivery{Seq: 7, ChatID: psidA, Purpose: purpose, Reply: bot.Reply{Text: "ສະບາຍດີ"}, Attempt: 1})
	return g.Calls(), err
}

func TestWindowPolicy(t *testing.T) {
	cases := []struct {
		age        time.Duration
		purpose    bot.Purpose
		humanAgent bool
		msgType    string // "" when held
		tag        string
	}{
		{23 * time.Hour, bot.PurposeResponse, false, "RESPONSE", ""},
		{23 * time.Hour, "", false, "RESPONSE", ""},
		{23 * time.Hour, bot.PurposeUpdate, false, "UPDATE", ""},
		{23 * time.Hour, bot.PurposeBroadcast, false, "UPDATE", ""},
		{23 * time.Hour, bot.PurposeModerator, true, "RESPONSE", ""},
		{30 * time.Hour, bot.PurposeModerator, true, "MESSAGE_TAG", "HUMAN_AGENT"},
		{30 * time.Hour, bot.PurposeModerator, false, "", ""},
		{30 * time.Hour, bot.PurposeResponse, true, "", ""},
		{30 * time.Hour, bot.PurposeUpdate, true, "", ""},
		{72 * time.Hour, bot.PurposeBroadcast, true, "", ""},
		{6*24*time.Hour + 23*time.Hour, bot.PurposeModerator, true, "MESSAGE_TAG", "HUMAN_AGENT"},
		{8 * 24 * time.Hour, bot.PurposeModerator, true, "", ""},
		// The window is treated as closing a minute early.
		{24*time.Hour - 30*time.Second, bot.PurposeResponse, false, "", ""},
		{-time.Minute, bot.PurposeResponse, false, "RESPONSE", ""}, // the server clock lags Meta's
	}
	for _, tc := range cases {
		name := fmt.Sprintf("%s %s human_agent=%v", tc.age, tc.purpose, tc.humanAgent)
		t.Run(name, func(t *testing.T) {
			calls, err := sendAt(t, tc.age, tc.purpose, tc.humanAgent)
			if tc.msgType == "" {
				var se *bot.SendError
				if !errors.As(err, &se) || se.Kind != bot.Held {
					t.Fatalf("error %v, want Held", err)
				}
				if len(calls) != 0 {
					t.Fatalf("the graph api was called %d times for a held message", len(calls))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) != 1 {
				t.Fatalf("%d calls, want 1", len(calls))
			}
			if got := str(calls[0].Body, "messaging_type"); got != tc.msgType {
				t.Errorf("messaging_type %q, want %q", got, tc.msgType)
			}
			if got := str(calls[0].Body, "tag"); got != tc.tag {
				t.Errorf("tag %q, want %q", got, tc.tag)
			}
		})
	}
}

func TestWindowNeverWroteIsHeld(t *testing.T) {
	g := newFakeGraph(t)
	ch := newTestChannel(t, g, openStore(t), newClock(baseTime()), nil, nil)
	err := ch.Send(t.Context(), bot.Delivery{ChatID: psidB, Purpose: bot.PurposeResponse, Reply: bot.Reply{Text: "hi"}, Attempt: 1})
	var se *bot.SendError
	if !errors.As(err, &se) || se.Kind != bot.Held || len(g.Calls()) != 0 {
		t.Fatalf("error %v, %d calls; want Held without calling Meta", err, len(g.Calls()))
	}
}

// A broadcast to someone silent for three days is held by the real sender
// and delivered, before the answer to their new message, once they write.
func TestWindowHeldBroadcastDeliveredWhenPersonWrites(t *testing.T) {
	h := newHarness(t, baseTime(), nil)
	if err := h.st.RecordContact(ChannelName, psidA, baseTime()); err != nil {
		t.Fatal(err)
	}
	now := baseTime().Add(72 * time.Hour)
	h.clock.Set(now)
	err := h.sender.Enqueue([]bot.Envelope{{Channel: ChannelName, ChatID: psidA, Purpose: bot.PurposeBroadcast,
		Reply: bot.Reply{Text: "ງານວັນແຮງງານເຄື່ອນຍ້າຍສາກົນ 18 ທັນວາ"}}})
	if err != nil {
		t.Fatal(err)
	}
	h.settle(t)
	if n := len(h.graph.Calls()); n != 0 {
		t.Fatalf("%d requests for a message outside the window", n)
	}
	if held := h.Held(); len(held) != 1 || held[0].ChatID != psidA || held[0].Purpose != bot.PurposeBroadcast {
		t.Fatalf("held hook got %+v, want the broadcast", held)
	}
	pending, err := h.st.PendingOutbox()
	if err != nil || len(pending) != 1 {
		t.Fatalf("outbox %v %v, want the held broadcast kept", pending, err)
	}

	// The person writes again, an hour later.
	h.clock.Set(now.Add(time.Hour))
	body := []byte(fmt.Sprintf(`{"object":"page","entry":[{"id":"100200300400500","time":%[1]d,"messaging":[`+
		`{"sender":{"id":"%[2]s"},"recipient":{"id":"100200300400500"},"timestamp":%[1]d,`+
		`"message":{"mid":"m_back1","text":"ສະບາຍດີ"}}]}]}`, now.Add(time.Hour).UnixMilli(), psidA))
	if w := postWebhook(h.hook, body, sign(body, testSecret)); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	h.settle(t)
	calls := h.graph.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want the broadcast and the answer", len(calls))
	}
	if str(calls[0].Body, "message", "text") != "ງານວັນແຮງງານເຄື່ອນຍ້າຍສາກົນ 18 ທັນວາ" || str(calls[0].Body, "messaging_type") != "UPDATE" {
		t.Errorf("first request %v, want the held broadcast as UPDATE", calls[0].Body)
	}
	if str(calls[1].Body, "message", "text") != "ok" || str(calls[1].Body, "messaging_type") != "RESPONSE" {
		t.Errorf("second request %v, want the answer as RESPONSE", calls[1].Body)
	}
	if pending, _ := h.st.PendingOutbox(); len(pending) != 0 {
		t.Errorf("outbox still holds %d messages", len(pending))
	}
}

// Meta itself may say the window is closed (code 10): the message is held too.
func TestWindowClosedByMetaIsHeld(t *testing.T) {
	for _, sub := range []int{2018065, 2018278} {
		st := openStore(t)
		st.RecordContact(ChannelName, psidA, baseTime())
		g := newFakeGraph(t)
		g.SetRespond(func(int, graphCall) (int, string) {
			return 400, fmt.Sprintf(`{"error":{"message":"(#10) This message is sent outside of allowed window.","type":"OAuthException","code":10,"error_subcode":%d,"fbtrace_id":"A1"}}`, sub)
		})
		ch := newTestChannel(t, g, st, newClock(baseTime().Add(time.Hour)), nil, nil)
		err := ch.Send(t.Context(), bot.Delivery{ChatID: psidA, Reply: bot.Reply{Text: "hi"}, Attempt: 1})
		var se *bot.SendError
		if !errors.As(err, &se) || se.Kind != bot.Held {
			t.Errorf("subcode %d: error %v, want Held", sub, err)
		}
	}
}
