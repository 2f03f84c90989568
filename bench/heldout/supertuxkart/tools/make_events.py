# Writes supertuxkart_lighthouse_ai_race.events.txt for the 2nd render (race2.mkv, clip = capture frames 36..2535).
# Onsets are capture frame numbers measured on race2.mkv (orange-notice detector, white-pixel lap/position masks,
# position "pop" dips), each checked by eye on the frames either side. Clip time = (capture frame - 36) / 25.
# usage: python3 tools/make_events.py [OUT.events.txt]   (default: supertuxkart_lighthouse_ai_race.events.txt here)
import sys
OFF = 36
def t(f): s = (f - OFF) * 0.04; return "%02d:%05.2f" % (int(s // 60), s - 60 * int(s // 60))
def clk(f):
    s = round((f - OFF) * 0.04 - 4.693, 3); return "  [race clock %02d:%06.3f]" % (int(s // 60), s - 60 * int(s // 60))
HDR = """# supertuxkart_lighthouse_ai_race.mp4 ground truth. Format: MM:SS.ss [kind] text (clip time; frame = 25*t).
# (bench/onscreen_events.py scores the first quoted text of each line: on the [lap] lines the centre notice comes first.)
# All events measured on the captured frames (template/colour detection, each change point checked by eye on the
# frames either side): exact to the frame (+-0.04 s) unless marked; position changes start with a short "pop"
# animation of the digit (old digit shrinks, new digit grows back); the time given is the first frame that shows the
# new digit (still small), so +-1-3 frames. The game ran under a fixed-step virtual clock: each frame = 40 ms of game
# time exactly, so the HUD race clock (top right, MM:SS.mmm) reads clip_time - 4.693 s at every frame from 00:04.72 on
# (+-4 ms float rounding; checked at 12 frames: e.g. 00:18.56 -> "00:13.867", 01:09.64 -> "01:04.950",
# 01:17.68 -> "01:12.983", 01:39.96 -> "01:35.267", 01:42.52 (capture frame 2599, beyond the clip) -> "01:37.825").
# Not covered: the ranking column at the left (kart icons in race order, reorders continuously), the minimap dots,
# item pickups/use (bananas, bubblegum, cakes, rescue stars), the red/white gap times list that sometimes
# appears under the icons at the top left. One extra digit "pop" at 00:18.92 (3 shrinks and 3 grows back, no change
# of the digit) is not listed."""
L = []
def ev(f, kind, text, clock=True): L.append("%s [%s] %s%s" % (t(f), kind, text, clk(f) if clock else ""))
ev(36, "scene", "race start grid behind Tux (red kart); minimap bottom-left; no clock/lap/position HUD yet", False)
ev(103, "notice", '"Ready!" (orange, centre; start-light above the road red)', False)
ev(129, "notice", '"Set!" replaces "Ready!" (light amber)', False)
ev(154, "notice", '"Go!" replaces "Set!" (light green; shown until %s); race clock starts, speedometer with position "6", ranking icons at the left appear' % t(179))
ev(176, "hud", 'lap counter "1/3" with chequered flag appears under the clock (top right)')
pos = [(221, 6, 5), (281, 5, 2), (445, 2, 1), (482, 1, 2), (505, 2, 3), (546, 3, 2), (575, 2, 3), (650, 3, 2),
       (701, 2, 3), (932, 3, 4), (972, 4, 5), (989, 5, 6), (1390, 6, 5), (2190, 5, 4)]
lap2, fin = 1141, 1979
ev_list = []
for f, a, b in pos:
    txt = ("position digit in the speedometer: %d -> %d" if f == pos[0][0] else "%d -> %d") % (a, b)
    if f == pos[-1][0]: txt += " (Tux stays 4th to the end of the clip)"
    ev_list.append((f, 1, "position", txt))
ev_list.append((972, 0, "note", 'small white text at the bottom centre "New fastest lap / 00:32.717 by Pidgin" (shown until %s)' % t(1072)))
# the second "New fastest lap" message (Pidgin again): no bright text there at capture frame 1776, text at 1777
# (clip 01:09.64), gone at 1877 (shown 4.00 s, like the first)
ev_list.append((1777, 0, "note", 'small white text at the bottom centre "New fastest lap / 00:32.217 by Pidgin" (shown until %s)' % t(1877)))
ev_list.append((lap2, 0, "lap", 'centre text "Lap 2" (orange) until %s; lap counter "1/3" -> "2/3"; Tux lap 1 time %.1f s' % (t(1192), (lap2 - OFF) * 0.04 - 4.693)))
ev_list.append((fin, 0, "lap", 'centre text "Final lap!" (orange) until %s; lap counter "2/3" -> "3/3"; Tux lap 2 time %.1f s' % (t(2054), (fin - lap2) * 0.04)))
for f, _, k, txt in sorted(ev_list): ev(f, k, txt)
L.append("%s [scene] last frame: lap 3/3, position 4%s" % (t(2535), clk(2535)))
out = sys.argv[1] if len(sys.argv) > 1 else "supertuxkart_lighthouse_ai_race.events.txt"
open(out, "w").write(HDR + "\n" + "\n".join(L) + "\n")
print(len(L), "event lines")
