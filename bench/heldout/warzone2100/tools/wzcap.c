/* wzcap.c - LD_PRELOAD capture shim for Warzone 2100 4.3 (SDL2 linked statically, OpenGL through GLX).
 *
 * Warzone's SDL is inside the executable, so SDL_GetTicks cannot be interposed; its clock is libc's
 * clock_gettime, which can.  Virtual clock: on the game's main thread clock_gettime(CLOCK_MONOTONIC*,
 * CLOCK_BOOTTIME) returns T0 + frames/fps, where T0 is the real monotonic time at start and frames counts
 * the presented frames (glXSwapBuffers), so the game runs in slow motion but each frame is exactly 1/fps
 * of game time.  Other threads see the real clock.  If the main thread sleeps more than 200 times without
 * presenting a frame (loading screens), the sleep time is added to the virtual clock so it cannot hang.
 * Video: SDL loads glXSwapBuffers with dlsym(libGL handle, ...); dlsym is interposed to hand out a wrapper
 * that reads the back buffer (glReadPixels, bottom-up RGB24) of every frame of size WZCAP_W x WZCAP_H
 * into the stdin of WZCAP_VIDEO_CMD before the real swap.
 * Log: "VCAP <swaps> <captured_index> <virtual_ms> <wallclock>" after every presented frame, written
 * unbuffered to fd 2, where the game writes its (flushed) debug log, so both interleave in order.
 * Stops the game (_exit) after WZCAP_MAXFRAMES captured frames.
 * WZCAP_TRIGGER=file: pre-roll mode; real clock, no capture and no markers until that file exists (checked at
 * every swap), then the virtual clock starts from the real time of that moment and capture begins.
 * Debugging aids used while writing it: WZCAP_DLDEBUG=1 logs dlsym look-ups of GLX/EGL names, WZCAP_CLKDEBUG=1
 * counts clock_gettime calls per clock and thread per frame, WZCAP_ALLTHREADS=1 gives every thread the virtual clock.
 * Build: gcc -O2 -shared -fPIC -o wzcap.so wzcap.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <stdarg.h>
#include <sys/syscall.h>

static int fps = 25, capw = 0, caph = 0, inited = 0;
static long maxframes = 0, nswap = 0, ncap = 0, sleeps_since_swap = 0;
static pid_t mainpid = 0;
static int allthreads = 0;
static int64_t t0_ns = 0, extra_ns = 0;   /* virtual clock = t0 + nswap/fps + extra (sleep fallback) */
static FILE *vpipe = NULL;
static int live = 1; static long nswap0 = 0; static const char *trigger = NULL;
static void go_live(void);
static unsigned char *fbuf = NULL;

typedef void *(*dlsym_t)(void *, const char *);
static dlsym_t real_dlsym_fn = NULL;
static int (*real_cg)(clockid_t, struct timespec *) = NULL;

static void vlog(const char *fmt, ...)
{
    char b[512]; va_list ap; va_start(ap, fmt); int n = vsnprintf(b, sizeof b, fmt, ap); va_end(ap);
    if (n > 0) { if (n > (int)sizeof b - 1) n = sizeof b - 1; ssize_t r = write(2, b, n); (void)r; }
}

static void *rdlsym(void *h, const char *n)
{
    if (!real_dlsym_fn) real_dlsym_fn = (dlsym_t)dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.34");
    if (!real_dlsym_fn) real_dlsym_fn = (dlsym_t)dlvsym(RTLD_NEXT, "dlsym", "GLIBC_2.2.5");
    return real_dlsym_fn(h, n);
}

static void init(void)
{
    if (inited) return;
    inited = 1;
    unsetenv("LD_PRELOAD");
    mainpid = getpid();
    const char *s;
    if ((s = getenv("WZCAP_FPS"))) fps = atoi(s);
    if ((s = getenv("WZCAP_W"))) capw = atoi(s);
    if ((s = getenv("WZCAP_H"))) caph = atoi(s);
    if ((s = getenv("WZCAP_MAXFRAMES"))) maxframes = atol(s);
    if ((s = getenv("WZCAP_ALLTHREADS"))) allthreads = atoi(s);
    real_cg = (int (*)(clockid_t, struct timespec *))rdlsym(RTLD_NEXT, "clock_gettime");
    struct timespec ts; real_cg(CLOCK_MONOTONIC, &ts);
    t0_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    if ((s = getenv("WZCAP_TRIGGER")) && *s) { trigger = s; live = 0; }
    if (live) { live = 0; go_live(); }
    vlog("VCAP init fps=%d size=%dx%d maxframes=%ld\n", fps, capw, caph, maxframes);
}
__attribute__((constructor)) static void ctor(void) { init(); }


static int is_main(void) { return allthreads || (pid_t)syscall(SYS_gettid) == mainpid; }
static int64_t vt_ns(void) { return t0_ns + (int64_t)(nswap - nswap0) * 1000000000LL / fps + extra_ns; }

static long ncalls[16][2];
int clock_gettime(clockid_t c, struct timespec *tp)
{
    if (!inited) init();
    if (c >= 0 && c < 16) ncalls[c][is_main()]++;
    if (live && (c == CLOCK_MONOTONIC || c == CLOCK_MONOTONIC_RAW || c == CLOCK_MONOTONIC_COARSE || c == CLOCK_BOOTTIME) && is_main()) {
        int64_t v = vt_ns();
        tp->tv_sec = v / 1000000000LL; tp->tv_nsec = v % 1000000000LL;
        return 0;
    }
    return real_cg(c, tp);
}

static void slept(int64_t ns)
{
    if (!is_main()) return;
    if (++sleeps_since_swap > 200) {
        extra_ns += ns;
        if (sleeps_since_swap == 201) vlog("VCAP warning: clock advanced by a sleep (no frames presented)\n");
    }
}
int nanosleep(const struct timespec *req, struct timespec *rem)
{
    static int (*f)(const struct timespec *, struct timespec *) = NULL;
    if (!f) f = (int (*)(const struct timespec *, struct timespec *))rdlsym(RTLD_NEXT, "nanosleep");
    if (!inited) init();
    if (live && is_main() && req) {
        int64_t ns = (int64_t)req->tv_sec * 1000000000LL + req->tv_nsec;
        slept(ns);
        struct timespec t = { 0, ns > 2000000 ? 2000000 : ns };  /* sleep at most 2 ms for real */
        return f(&t, rem);
    }
    return f(req, rem);
}
int usleep(useconds_t us)
{
    struct timespec t = { us / 1000000, (long)(us % 1000000) * 1000 };
    return nanosleep(&t, NULL);
}

/* ---------------- video ---------------- */
#define GL_RGB 0x1907
#define GL_UNSIGNED_BYTE 0x1401
#define GL_PACK_ALIGNMENT 0x0D05
#define GL_BACK 0x0405
#define GL_READ_FRAMEBUFFER 0x8CA8
#define GL_READ_FRAMEBUFFER_BINDING 0x8CAA
#define GL_PIXEL_PACK_BUFFER 0x88EB
#define GL_PIXEL_PACK_BUFFER_BINDING 0x88ED
#define GL_READ_BUFFER 0x0C02
#define GL_VIEWPORT 0x0BA2
typedef void (*glReadPixels_t)(int, int, int, int, unsigned, unsigned, void *);
typedef void (*glGetIntegerv_t)(unsigned, int *);
typedef void (*glBind_t)(unsigned, unsigned);
typedef void (*glPixelStorei_t)(unsigned, int);
typedef void (*glReadBuffer_t)(unsigned);
typedef void (*swap_t)(void *, unsigned long);
static swap_t real_swap = NULL;
static void *libgl = NULL;

static void *glp(const char *n)
{
    void *(*gpa)(const char *) = NULL;
    if (!libgl) libgl = dlopen("libGL.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (!libgl) libgl = dlopen("libGL.so.1", RTLD_LAZY);
    if (libgl) gpa = (void *(*)(const char *))rdlsym(libgl, "glXGetProcAddressARB");
    void *p = gpa ? gpa(n) : NULL;
    if (!p && libgl) p = rdlsym(libgl, n);
    return p;
}

static void finish_and_exit(void)
{
    vlog("VCAP done: %ld frames captured, %ld swaps, vt=%lld ms\n", ncap, nswap, (long long)((vt_ns() - t0_ns) / 1000000));
    if (vpipe) pclose(vpipe);
    _exit(0);
}
__attribute__((destructor)) static void dtor(void)
{
    if (!inited) return;
    vlog("VCAP exit: %ld frames captured, %ld swaps\n", ncap, nswap);
    if (vpipe) { pclose(vpipe); vpipe = NULL; }
}

static void go_live(void)
{
    const char *s;
    struct timespec ts; real_cg(CLOCK_MONOTONIC, &ts);
    t0_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    nswap0 = nswap; extra_ns = 0; live = 1;
    if ((s = getenv("WZCAP_VIDEO_CMD")) && *s) { vpipe = popen(s, "w"); if (!vpipe) vlog("VCAP cannot start video cmd\n"); }
    vlog("VCAP live at swap %ld\n", nswap);
}
static void wz_swap(void *dpy, unsigned long drawable)
{
    int captured = 0;
    if (!live) {
        real_swap(dpy, drawable);
        nswap++;
        if (trigger && access(trigger, F_OK) == 0) go_live();
        return;
    }
    static glReadPixels_t rp; static glGetIntegerv_t gi; static glBind_t bf, bb; static glPixelStorei_t ps; static glReadBuffer_t rb;
    if (!rp) { rp = glp("glReadPixels"); gi = glp("glGetIntegerv"); bf = glp("glBindFramebuffer"); bb = glp("glBindBuffer"); ps = glp("glPixelStorei"); rb = glp("glReadBuffer"); }
    int vp[4] = {0, 0, 0, 0};
    if (gi) gi(GL_VIEWPORT, vp);
    if (vpipe && rp && gi) {
        int oldfb = 0, oldpb = 0, oldal = 4, oldrb = GL_BACK;
        gi(GL_READ_FRAMEBUFFER_BINDING, &oldfb); if (bb) gi(GL_PIXEL_PACK_BUFFER_BINDING, &oldpb); gi(GL_PACK_ALIGNMENT, &oldal); gi(GL_READ_BUFFER, &oldrb);
        if (bf && oldfb) bf(GL_READ_FRAMEBUFFER, 0);
        if (bb && oldpb) bb(GL_PIXEL_PACK_BUFFER, 0);
        ps(GL_PACK_ALIGNMENT, 1);
        if (rb) rb(GL_BACK);
        if (!fbuf) fbuf = malloc((size_t)capw * caph * 3);
        rp(0, 0, capw, caph, GL_RGB, GL_UNSIGNED_BYTE, fbuf);
        if (rb) rb(oldrb);
        ps(GL_PACK_ALIGNMENT, oldal);
        if (bb && oldpb) bb(GL_PIXEL_PACK_BUFFER, oldpb);
        if (bf && oldfb) bf(GL_READ_FRAMEBUFFER, oldfb);
        fwrite(fbuf, 1, (size_t)capw * caph * 3, vpipe);
        captured = 1;
    }
    real_swap(dpy, drawable);
    nswap++; sleeps_since_swap = 0;
    if (captured) ncap++;
    struct timespec ts; real_cg(CLOCK_REALTIME, &ts);
    vlog("VCAP %ld %ld %lld %.3f vp=%dx%d\n", nswap, captured ? ncap - 1 : -1L, (long long)((vt_ns() - t0_ns) / 1000000), ts.tv_sec + ts.tv_nsec / 1e9, vp[2], vp[3]);
    if (getenv("WZCAP_CLKDEBUG")) { vlog("VCAP clk"); for (int i = 0; i < 16; i++) if (ncalls[i][0] || ncalls[i][1]) vlog(" c%d:%ld/%ld", i, ncalls[i][1], ncalls[i][0]); vlog(" extra=%lld\n", (long long)extra_ns); memset(ncalls, 0, sizeof ncalls); }
    if (maxframes && ncap >= maxframes) finish_and_exit();
}

void glXSwapBuffers(void *dpy, unsigned long drawable)
{
    if (!real_swap) real_swap = (swap_t)rdlsym(RTLD_NEXT, "glXSwapBuffers");
    wz_swap(dpy, drawable);
}

typedef void *(*gpa_t)(const unsigned char *);
static gpa_t real_gpa = NULL, real_gpa2 = NULL;
static void *wrap_gpa(gpa_t real, const unsigned char *name)
{
    void *p = real(name);
    if (p && strcmp((const char *)name, "glXSwapBuffers") == 0) {
        if (!real_swap) real_swap = (swap_t)p;
        vlog("VCAP hooked glXSwapBuffers (GetProcAddress)\n");
        return (void *)glXSwapBuffers;
    }
    return p;
}
void *glXGetProcAddressARB(const unsigned char *name)
{
    if (!real_gpa) real_gpa = (gpa_t)rdlsym(RTLD_NEXT, "glXGetProcAddressARB");
    return wrap_gpa(real_gpa, name);
}
void *glXGetProcAddress(const unsigned char *name)
{
    if (!real_gpa2) real_gpa2 = (gpa_t)rdlsym(RTLD_NEXT, "glXGetProcAddress");
    return wrap_gpa(real_gpa2, name);
}

void *dlsym(void *h, const char *name)
{
    void *p = rdlsym(h, name);
    if (getenv("WZCAP_DLDEBUG") && (strstr(name, "wap") || strstr(name, "glX") == name || strstr(name, "egl") == name)) vlog("VCAP dlsym %s\n", name);
    if (p && name && strcmp(name, "glXSwapBuffers") == 0) {
        if (!real_swap) real_swap = (swap_t)p;
        vlog("VCAP hooked glXSwapBuffers\n");
        return (void *)glXSwapBuffers;
    }
    if (p && strcmp(name, "glXGetProcAddressARB") == 0) { real_gpa = (gpa_t)p; return (void *)glXGetProcAddressARB; }
    if (p && strcmp(name, "glXGetProcAddress") == 0) { real_gpa2 = (gpa_t)p; return (void *)glXGetProcAddress; }
    return p;
}
