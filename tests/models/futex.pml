/* futex.pml — the futex calls of include/wq/detail/futex.hpp (futex_wait, futex_wake_one,
 * futex_wake_all) for the models here, threads 0 .. W-1 (W defined by the model, at most 3).
 * futex_wait goes to sleep only while the word holds the value the caller read (one atomic step,
 * as the kernel checks it under its hash-bucket lock); a wake releases sleepers. No spurious
 * returns: every caller re-checks after one anyway, so leaving them out hides nothing. */
bool asleep[W];

inline futex_wait(word, expected, me) {
    atomic { if :: word == expected -> asleep[me] = true :: else -> skip fi };
    (!asleep[me])   /* blocks while asleep */
}

inline futex_wake_one() {
    atomic {
        if
        :: asleep[0] -> asleep[0] = false
        :: W > 1 && asleep[1] -> asleep[1] = false
#if W > 2
        :: asleep[2] -> asleep[2] = false
#endif
        :: else -> skip
        fi
    }
}

inline futex_wake_all() {
    atomic {
        asleep[0] = false;
        asleep[1] = false;
#if W > 2
        asleep[2] = false;
#endif
    }
}
