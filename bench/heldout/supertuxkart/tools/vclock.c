/* vclock.c - LD_PRELOAD shim for fixed-step capture of an SDL2/OpenGL game (SuperTuxKart).
 * In the main thread only, CLOCK_MONOTONIC/REALTIME (clock_gettime, gettimeofday, time) and SDL_GetTicks
 * return a virtual time that advances exactly 1/VCAP_FPS s per SDL_GL_SwapWindow, so the game runs in
 * slow motion on a slow machine but each presented frame is exactly 40 ms of game time. Other threads
 * see real time (their timed waits keep working). At every swap whose drawable is VCAP_W x VCAP_H the
 * back buffer is read (glReadPixels) and written as raw RGB24 (bottom-up) to the stdin of VCAP_VIDEO_CMD.
 * A line "VCAP <swaps> <captured_index> <virtual_ms>" goes to stderr after each swap, so it interleaves
 * with the game's own log (also stderr/stdout unbuffered). Exits after VCAP_MAXFRAMES captured frames. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <pthread.h>

static int fps = 25, capw = 0, caph = 0, inited = 0;
static long maxframes = 0, nswap = 0, ncap = 0;
static FILE *vpipe = NULL;
static unsigned char *fbuf = NULL;
static pid_t mainpid = 0;
static struct timespec base_mono, base_real;   /* real clocks at init */
static uint64_t vt_ns = 0;
static int (*real_cg)(clockid_t, struct timespec *) = NULL;

static void init(void)
{
    if (inited) return;
    inited = 1;
    real_cg = dlsym(RTLD_NEXT, "clock_gettime");
    mainpid = getpid();
    real_cg(CLOCK_MONOTONIC, &base_mono); real_cg(CLOCK_REALTIME, &base_real);
    unsetenv("LD_PRELOAD");
    const char *s;
    if ((s = getenv("VCAP_FPS"))) fps = atoi(s);
    if ((s = getenv("VCAP_W"))) capw = atoi(s);
    if ((s = getenv("VCAP_H"))) caph = atoi(s);
    if ((s = getenv("VCAP_MAXFRAMES"))) maxframes = atol(s);
    if ((s = getenv("VCAP_VIDEO_CMD")) && *s) vpipe = popen(s, "w");
    fprintf(stderr, "VCAP init fps=%d size=%dx%d maxframes=%ld\n", fps, capw, caph, maxframes);
}
__attribute__((constructor)) static void ctor(void) { init(); }

static int sdlonly = -1;
static int is_main(void) { if (sdlonly < 0) sdlonly = getenv("VCAP_SDLONLY") != NULL; return !sdlonly && (pid_t)syscall(SYS_gettid) == mainpid; }
static void add_ns(struct timespec *ts, const struct timespec *base, uint64_t ns)
{
    uint64_t t = (uint64_t)base->tv_sec * 1000000000ULL + base->tv_nsec + ns;
    ts->tv_sec = t / 1000000000ULL; ts->tv_nsec = t % 1000000000ULL;
}
int clock_gettime(clockid_t c, struct timespec *ts)
{
    if (!inited) init();
    if (is_main()) {
        if (c == CLOCK_MONOTONIC || c == CLOCK_MONOTONIC_RAW || c == CLOCK_MONOTONIC_COARSE || c == CLOCK_BOOTTIME)
            { add_ns(ts, &base_mono, vt_ns); return 0; }
        if (!getenv("VCAP_MONOONLY") && (c == CLOCK_REALTIME || c == CLOCK_REALTIME_COARSE)) { add_ns(ts, &base_real, vt_ns); return 0; }
    }
    return real_cg(c, ts);
}
static int gtod = -1;
int gettimeofday(struct timeval *tv, void *tz)
{
    (void)tz; struct timespec ts;
    if (!inited) init();
    if (gtod < 0) gtod = getenv("VCAP_GTOD") != NULL;
    if (gtod && (pid_t)syscall(SYS_gettid) == mainpid) add_ns(&ts, &base_real, vt_ns); else clock_gettime(CLOCK_REALTIME, &ts);
    if (tv) { tv->tv_sec = ts.tv_sec; tv->tv_usec = ts.tv_nsec / 1000; }
    return 0;
}
time_t time(time_t *t) { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); if (t) *t = ts.tv_sec; return ts.tv_sec; }
uint32_t SDL_GetTicks(void) { return (uint32_t)(vt_ns / 1000000ULL); }
uint64_t SDL_GetTicks64(void) { return vt_ns / 1000000ULL; }
uint64_t SDL_GetPerformanceCounter(void) { return vt_ns / 1000ULL; }
uint64_t SDL_GetPerformanceFrequency(void) { return 1000000; }

typedef void (*rp_t)(int, int, int, int, unsigned, unsigned, void *);
typedef void (*gi_t)(unsigned, int *);
typedef void (*bf_t)(unsigned, unsigned);
typedef void (*ps_t)(unsigned, int);
typedef void (*rb_t)(unsigned);
static void *glp(const char *n)
{
    void *(*gpa)(const char *) = dlsym(RTLD_NEXT, "SDL_GL_GetProcAddress");
    void *p = gpa ? gpa(n) : NULL;
    return p ? p : dlsym(RTLD_DEFAULT, n);
}
void SDL_GL_SwapWindow(void *win)
{
    static void (*rswap)(void *) = NULL; static void (*rsize)(void *, int *, int *) = NULL;
    static rp_t rp; static gi_t gi; static bf_t bf; static ps_t ps; static rb_t rb;
    init();
    if (!rswap) { rswap = dlsym(RTLD_NEXT, "SDL_GL_SwapWindow"); rsize = dlsym(RTLD_NEXT, "SDL_GL_GetDrawableSize"); }
    int w = 0, h = 0; rsize(win, &w, &h);
    int captured = 0;
    if (vpipe && w == capw && h == caph) {
        if (!rp) { rp = glp("glReadPixels"); gi = glp("glGetIntegerv"); bf = glp("glBindFramebuffer"); ps = glp("glPixelStorei"); rb = glp("glReadBuffer"); }
        if (!fbuf) fbuf = malloc((size_t)w * h * 3);
        int oldfb = 0, oldpb = 0, oldal = 4, oldrb = 0x0405;
        gi(0x8CAA, &oldfb); gi(0x88ED, &oldpb); gi(0x0D05, &oldal); gi(0x0C02, &oldrb);
        if (oldfb) bf(0x8CA8, 0);
        void (*bb)(unsigned, unsigned) = glp("glBindBuffer");
        if (oldpb && bb) bb(0x88EB, 0);
        ps(0x0D05, 1); rb(0x0405);
        rp(0, 0, w, h, 0x1907, 0x1401, fbuf);
        rb(oldrb); ps(0x0D05, oldal);
        if (oldpb && bb) bb(0x88EB, oldpb);
        if (oldfb) bf(0x8CA8, oldfb);
        fwrite(fbuf, 1, (size_t)w * h * 3, vpipe);
        captured = 1; ncap++;
    }
    rswap(win);
    nswap++;
    vt_ns += 1000000000ULL / fps;
    fprintf(stderr, "VCAP %ld %ld %llu\n", nswap, captured ? ncap - 1 : -1L, (unsigned long long)(vt_ns / 1000000ULL));
    if (maxframes && ncap >= maxframes) {
        fprintf(stderr, "VCAP done %ld frames\n", ncap);
        if (vpipe) pclose(vpipe);
        _exit(0);
    }
}
__attribute__((destructor)) static void dtor(void) { if (vpipe) { pclose(vpipe); vpipe = NULL; } }

/* main-thread sleeps advance the virtual clock by the requested time (so "wait until time passes" loops end) */
static void adv(const struct timespec *req) { if (req && is_main()) vt_ns += (uint64_t)req->tv_sec * 1000000000ULL + req->tv_nsec; }
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    static int (*r)(const struct timespec *, struct timespec *) = NULL; if (!r) r = dlsym(RTLD_NEXT, "nanosleep");
    if (!inited) init();
    if (is_main()) { adv(req); struct timespec s = {0, 100000}; return r(&s, NULL); }
    return r(req, rem);
}
int usleep(useconds_t us) { struct timespec t = { us / 1000000, (us % 1000000) * 1000 }; return nanosleep(&t, NULL); }
int clock_nanosleep(clockid_t c, int flags, const struct timespec *req, struct timespec *rem)
{
    static int (*r)(clockid_t, int, const struct timespec *, struct timespec *) = NULL; if (!r) r = dlsym(RTLD_NEXT, "clock_nanosleep");
    if (!inited) init();
    if (is_main() && flags == 0) { adv(req); struct timespec s = {0, 100000}; return r(CLOCK_MONOTONIC, 0, &s, NULL); }
    return r(c, flags, req, rem);
}
