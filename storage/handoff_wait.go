package storage

import (
	"math"
	"strconv"
	"time"
)

// handoffPriorityStep is the score distance between two priorities in the
// handoff queue (HandoffScore).
const handoffPriorityStep = 1e13

// HandoffSince recovers when a queued conversation started waiting from its
// HandoffScore: the score is since(ms) shifted by a whole number of
// priority steps, so its remainder is the time.
func HandoffSince(score float64) time.Time {
	ms := math.Mod(score, handoffPriorityStep)
	if ms < 0 {
		ms += handoffPriorityStep
	}
	return time.UnixMilli(int64(ms))
}

// HandoffPriorityRange is the ZRANGEBYSCORE range holding one priority's
// queued conversations, longest waiting first.
func HandoffPriorityRange(priority int) (lo, hi string) {
	base := -int64(priority) * handoffPriorityStep
	return strconv.FormatInt(base, 10), "(" + strconv.FormatInt(base+handoffPriorityStep, 10)
}
