/*
 * The real kernel's cost of what the model's benchmark simulates: mmap 1 GiB of anonymous
 * private memory with MAP_POPULATE (every page faulted in, zeroed, mapped), then munmap it.
 * Timed with clock_gettime(CLOCK_MONOTONIC) over REPS repetitions after one warm-up; the
 * median is reported in ns per 4 KiB page, for populate + munmap and for munmap alone.
 *
 * With --spin, as in the model's benchmark scenario, the measuring thread is pinned to CPU 0
 * and a sibling thread of the same process spins in user mode pinned to CPU 1, so the mm is
 * live on two CPUs and every TLB flush of the munmap has to reach CPU 1 (an IPI).
 *
 * The measuring thread's CPU time (CLOCK_THREAD_CPUTIME_ID: user + system, so the kernel's
 * work in the two system calls) is reported beside the wall-clock time: on a machine shared
 * with other work, time spent descheduled shows up in the wall clock only.
 *
 * Output: one human-readable line per repetition on stderr, then exactly one line on stdout:
 *   KERNEL populate_munmap_ns_per_page=<f> munmap_ns_per_page=<f> populate_ns_per_page=<f>
 *          cpu_populate_munmap_ns_per_page=<f> cpu_munmap_ns_per_page=<f> reps=<n> pages=<n> spin=<0|1>
 * (on one line).
 *
 * Build: gcc -O2 -Wall -pthread -o populate_munmap populate_munmap.c
 * Usage: ./populate_munmap [reps] [--spin]   (default 5 repetitions, no spinner)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define LENGTH (1UL << 30)

static long long clock_ns(clockid_t clock)
{
    struct timespec ts;
    if (clock_gettime(clock, &ts) != 0) {
        perror("clock_gettime");
        exit(1);
    }
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

static long long cpu_ns(void) { return clock_ns(CLOCK_THREAD_CPUTIME_ID); }

static atomic_int stop_spinning;

static int pin_to(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static void *spinner(void *arg)
{
    (void)arg;
    if (pin_to(1) != 0) {
        perror("sched_setaffinity(CPU 1)");
        exit(1);
    }
    while (!atomic_load_explicit(&stop_spinning, memory_order_relaxed)) {
        /* stay in user mode on CPU 1 */
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct times {
    long long populate, munmap;         /* wall clock */
    long long cpu_populate, cpu_munmap; /* this thread's CPU time */
};

/* One repetition: mmap + populate, then munmap, each timed. */
static struct times one(void)
{
    long long c0 = cpu_ns();
    long long t0 = now_ns();
    void *p = mmap(NULL, LENGTH, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    long long t1 = now_ns();
    long long c1 = cpu_ns();
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    /* MAP_POPULATE is best effort: make sure the pages really are there (no fault below). */
    volatile char *c = p;
    (void)c[0];
    (void)c[LENGTH - 1];
    long long c2 = cpu_ns();
    long long t2 = now_ns();
    if (munmap(p, LENGTH) != 0) {
        perror("munmap");
        exit(1);
    }
    long long t3 = now_ns();
    long long c3 = cpu_ns();
    return (struct times){ t1 - t0, t3 - t2, c1 - c0, c3 - c2 };
}

int main(int argc, char **argv)
{
    int reps = 5;
    int spin = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--spin") == 0) {
            spin = 1;
        } else {
            reps = atoi(argv[i]);
        }
    }
    if (reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: %s [reps 1..1000] [--spin]\n", argv[0]);
        return 2;
    }

    pthread_t sibling;
    if (spin) {
        if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
            fprintf(stderr, "--spin needs at least 2 CPUs\n");
            return 2;
        }
        if (pin_to(0) != 0) {
            perror("sched_setaffinity(CPU 0)");
            return 1;
        }
        if (pthread_create(&sibling, NULL, spinner, NULL) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }

    long page = sysconf(_SC_PAGESIZE);
    double pages = (double)(LENGTH / (unsigned long)page);
    double *both = calloc(reps, sizeof *both);
    double *unmap = calloc(reps, sizeof *unmap);
    double *pop = calloc(reps, sizeof *pop);
    double *cpu_both = calloc(reps, sizeof *cpu_both);
    double *cpu_unmap = calloc(reps, sizeof *cpu_unmap);
    if (!both || !unmap || !pop || !cpu_both || !cpu_unmap) {
        perror("calloc");
        return 1;
    }

    (void)one(); /* warm-up */

    for (int r = 0; r < reps; r++) {
        struct times t = one();
        pop[r] = t.populate / pages;
        unmap[r] = t.munmap / pages;
        both[r] = (t.populate + t.munmap) / pages;
        cpu_unmap[r] = t.cpu_munmap / pages;
        cpu_both[r] = (t.cpu_populate + t.cpu_munmap) / pages;
        fprintf(stderr, "rep %d: populate+munmap %8.1f ns/page   munmap %8.1f ns/page   (cpu %8.1f / %8.1f)\n",
                r + 1, both[r], unmap[r], cpu_both[r], cpu_unmap[r]);
    }

    if (spin) {
        atomic_store(&stop_spinning, 1);
        pthread_join(sibling, NULL);
    }

    printf("KERNEL populate_munmap_ns_per_page=%.1f munmap_ns_per_page=%.1f populate_ns_per_page=%.1f "
           "cpu_populate_munmap_ns_per_page=%.1f cpu_munmap_ns_per_page=%.1f reps=%d pages=%.0f spin=%d\n",
           median(both, reps), median(unmap, reps), median(pop, reps), median(cpu_both, reps), median(cpu_unmap, reps),
           reps, pages, spin);
    free(both);
    free(unmap);
    free(pop);
    free(cpu_both);
    free(cpu_unmap);
    return 0;
}
