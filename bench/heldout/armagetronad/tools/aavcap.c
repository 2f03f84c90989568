/* aavcap.c - LD_PRELOAD shim for fixed-step capture of an SDL 1.2/OpenGL game (Armagetron Advanced 0.2.9).
 * Virtual clock: in the main thread gettimeofday() returns a virtual time that advances exactly 1/VCAP_FPS s
 * per SDL_GL_SwapBuffers (and by the requested time for usleep/nanosleep/SDL_Delay, which only sleep 0.1 ms
 * for real), so the game runs in slow motion on a slow machine but each presented frame is exactly 40 ms of
 * game time. Other threads see real time.
 * Video: at every swap the VCAP_W x VCAP_H back buffer is read (glReadPixels) and written as raw RGB24
 * (bottom-up) to the stdin of VCAP_VIDEO_CMD.
 * Log: "VCAP <swaps> <captured_index> <virtual_ms>" after each swap, to stdout (line-buffered, so it
 * interleaves in order with the game's own console output, which also goes to stdout).
 * Keys: VCAP_KEYS="swap:sym,swap:sym,..." injects a key press (SDL_KEYDOWN then SDL_KEYUP on the next poll)
 * through SDL_PollEvent once that many swaps have been presented (menu navigation without a user).
 * Files: VCAP_TAIL="file1:file2" (the game's ladder log and console log): after every swap, new complete lines of
 * each file are printed as "VTAIL <i> <swaps> <line>", so every line maps to the frame presented after it was written.
 * Exits after VCAP_MAXFRAMES captured frames; VCAP_SKIP: capture starts after that many swaps. */
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
#include <sys/select.h>

static int fps = 25, capw = 640, caph = 480, inited = 0;
static long maxframes = 0, nswap = 0, ncap = 0, skip = 0;
static FILE *vpipe = NULL;
static unsigned char *fbuf = NULL;
static pid_t mainpid = 0;
static struct timeval base_real;
static uint64_t vt_us = 0;
static long reads_since_swap = 0, warmup = 0;
static char tailname[4][512]; static long tailpos[4]; static int ntail = 0;
static long keyat[256]; static int keysym[256], nkeys = 0, nextkey = 0, pendup = 0;

static void init(void)
{
    if (inited) return;
    inited = 1;
    mainpid = getpid();
    int (*rg)(struct timeval *, void *) = dlsym(RTLD_NEXT, "gettimeofday");
    rg(&base_real, NULL);
    unsetenv("LD_PRELOAD");
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *s;
    if ((s = getenv("VCAP_FPS"))) fps = atoi(s);
    if ((s = getenv("VCAP_W"))) capw = atoi(s);
    if ((s = getenv("VCAP_H"))) caph = atoi(s);
    if ((s = getenv("VCAP_MAXFRAMES"))) maxframes = atol(s);
    if ((s = getenv("VCAP_SKIP"))) skip = atol(s);
    if ((s = getenv("VCAP_WARMUP"))) warmup = atol(s);
    if ((s = getenv("VCAP_KEYS"))) {
        const char *p = s;
        while (*p && nkeys < 256) {
            char *e; long a = strtol(p, &e, 10); if (*e != ':') break;
            int k = (int)strtol(e + 1, &e, 10); keyat[nkeys] = a; keysym[nkeys++] = k;
            if (*e != ',') break;
            p = e + 1;
        }
    }
    if ((s = getenv("VCAP_TAIL")) && *s) {
        char buf[2048]; snprintf(buf, sizeof buf, "%s", s);
        for (char *tok = strtok(buf, ":"); tok && ntail < 4; tok = strtok(NULL, ":")) {
            snprintf(tailname[ntail], sizeof tailname[0], "%s", tok); tailpos[ntail++] = 0;
        }
    }
    if ((s = getenv("VCAP_VIDEO_CMD")) && *s) vpipe = popen(s, "w");
    printf("VCAP init fps=%d size=%dx%d maxframes=%ld keys=%d\n", fps, capw, caph, maxframes, nkeys);
}
__attribute__((constructor)) static void ctor(void) { init(); }
static int is_main(void) { return (pid_t)syscall(SYS_gettid) == mainpid; }

int gettimeofday(struct timeval *tv, void *tz)
{
    static int (*rg)(struct timeval *, void *) = NULL; if (!rg) rg = dlsym(RTLD_NEXT, "gettimeofday");
    if (!inited) init();
    if (!is_main()) return rg(tv, tz);
    if (nswap < warmup) {   /* before the first VCAP_WARMUP swaps (loading): real time */
        struct timeval now; rg(&now, NULL);
        int64_t d = ((int64_t)now.tv_sec - base_real.tv_sec) * 1000000LL + (now.tv_usec - base_real.tv_usec);
        if (d > (int64_t)vt_us) vt_us = d;
    }
    /* a loop that polls the clock without presenting frames (loading, busy waits) must see time pass:
       after 2000 reads without a swap, each further read advances the virtual clock by 1 ms */
    if (++reads_since_swap > 2000) vt_us += 1000;
    uint64_t t = (uint64_t)base_real.tv_sec * 1000000ULL + base_real.tv_usec + vt_us;
    if (tv) { tv->tv_sec = t / 1000000ULL; tv->tv_usec = t % 1000000ULL; }
    return 0;
}

static void adv_us(uint64_t us) { if (is_main()) vt_us += us; }
int usleep(useconds_t us)
{
    static int (*r)(useconds_t) = NULL; if (!r) r = dlsym(RTLD_NEXT, "usleep");
    if (is_main()) { adv_us(us); return r(100); }
    return r(us);
}
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    static int (*r)(const struct timespec *, struct timespec *) = NULL; if (!r) r = dlsym(RTLD_NEXT, "nanosleep");
    if (is_main() && req) { adv_us((uint64_t)req->tv_sec * 1000000ULL + req->tv_nsec / 1000); struct timespec s = {0, 100000}; return r(&s, NULL); }
    return r(req, rem);
}
void SDL_Delay(uint32_t ms)
{
    static void (*r)(uint32_t) = NULL; if (!r) r = dlsym(RTLD_NEXT, "SDL_Delay");
    if (is_main()) { adv_us((uint64_t)ms * 1000ULL); usleep(0); return; }
    r(ms);
}

/* SDL 1.2 keyboard event: type(u8) which(u8) state(u8) pad, keysym{ scancode(u8) pad[3], sym(int), mod(int), unicode(u16) } */
int SDL_PollEvent(void *ev)
{
    static int (*r)(void *) = NULL; if (!r) r = dlsym(RTLD_NEXT, "SDL_PollEvent");
    if (ev && pendup) {
        unsigned char *b = ev; memset(b, 0, 24); b[0] = 3; b[2] = 0; *(int *)(b + 8) = pendup; pendup = 0; return 1;
    }
    if (ev && nextkey < nkeys && nswap >= keyat[nextkey]) {
        unsigned char *b = ev; memset(b, 0, 24); b[0] = 2; b[2] = 1; int k = keysym[nextkey++];
        *(int *)(b + 8) = k; *(uint16_t *)(b + 16) = (k < 128) ? k : 0; pendup = k;
        printf("VCAP key %d at swap %ld\n", k, nswap);
        return 1;
    }
    return r(ev);
}

int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv)
{
    static int (*rs)(int, fd_set *, fd_set *, fd_set *, struct timeval *) = NULL; if (!rs) rs = dlsym(RTLD_NEXT, "select");
    if (is_main() && tv && (tv->tv_sec || tv->tv_usec)) {   /* a timed wait in the main thread: advance, wait briefly */
        adv_us((uint64_t)tv->tv_sec * 1000000ULL + tv->tv_usec);
        struct timeval s = {0, 100}; return rs(n, r, w, e, &s);
    }
    return rs(n, r, w, e, tv);
}

static void tail_files(void)
{
    for (int i = 0; i < ntail; i++) {
        FILE *f = fopen(tailname[i], "r"); if (!f) continue;
        if (fseek(f, tailpos[i], SEEK_SET) == 0) {
            char line[2048];
            while (fgets(line, sizeof line, f)) {
                size_t n = strlen(line);
                if (n == 0 || line[n - 1] != '\n') break;   /* incomplete line: read it next time */
                tailpos[i] += (long)n;
                printf("VTAIL %d %ld %s", i, nswap, line);
            }
        }
        fclose(f);
    }
}

static void *glp(const char *n) { return dlsym(RTLD_DEFAULT, n); }
void SDL_GL_SwapBuffers(void)
{
    static void (*rswap)(void) = NULL;
    static void (*rp)(int, int, int, int, unsigned, unsigned, void *); static void (*ps)(unsigned, int); static void (*rb)(unsigned);
    static void (*gi)(unsigned, int *);
    init();
    if (!rswap) { rswap = dlsym(RTLD_NEXT, "SDL_GL_SwapBuffers"); rp = glp("glReadPixels"); ps = glp("glPixelStorei"); rb = glp("glReadBuffer"); gi = glp("glGetIntegerv"); }
    int captured = 0;
    if (vpipe && nswap >= skip) {
        if (!fbuf) fbuf = malloc((size_t)capw * caph * 3);
        int oldal = 4, oldrb = 0x0405;
        gi(0x0D05, &oldal); gi(0x0C02, &oldrb);
        ps(0x0D05, 1); rb(0x0405);
        rp(0, 0, capw, caph, 0x1907, 0x1401, fbuf);
        rb(oldrb); ps(0x0D05, oldal);
        fwrite(fbuf, 1, (size_t)capw * caph * 3, vpipe);
        captured = 1; ncap++;
    }
    rswap();
    nswap++; reads_since_swap = 0;
    vt_us += 1000000ULL / fps;
    tail_files();
    printf("VCAP %ld %ld %llu\n", nswap, captured ? ncap - 1 : -1L, (unsigned long long)(vt_us / 1000ULL));
    if (maxframes && ncap >= maxframes) {
        printf("VCAP done %ld frames\n", ncap); fflush(stdout);
        if (vpipe) pclose(vpipe);
        _exit(0);
    }
}
__attribute__((destructor)) static void dtor(void) { if (vpipe) { pclose(vpipe); vpipe = NULL; } }
