package storage

// AcceptsQueued is how many accepts wait for the group in flight (tests).
func AcceptsQueued(s *Store) int {
	s.accepts.mu.Lock()
	defer s.accepts.mu.Unlock()
	return len(s.accepts.queue)
}
