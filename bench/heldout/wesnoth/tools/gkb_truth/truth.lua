-- writes "GKB <ms since init> <text>" lines to stdout (std_print: plain Lua print to the process's
-- stdout; nothing is shown in the game). ms = wesnoth.ms_since_init() (SDL ticks).
local function L(s) std_print(string.format("GKB %d %s", wesnoth.ms_since_init(), s)) end
local function u(x) if not x then return "?" end
  return string.format("side%d:%s(%s)@%d,%d hp=%d/%d", x.side, x.type, x.id, x.x, x.y, x.hitpoints, x.max_hitpoints) end
local function gold() local t={} for _,s in ipairs(wesnoth.sides) do t[#t+1]=string.format("side%d gold=%d villages=%d", s.side, s.gold, #wesnoth.get_villages{owner_side=s.side}) end return table.concat(t, "; ") end
local function units_at(c) if not c then return nil end return wesnoth.units.get(c.x1, c.y1) end
local H = {}
local on = wesnoth.require("on_event")
on("turn refresh", function() local c=wesnoth.current.event_context
  L(string.format("side_turn turn=%d side=%d | %s", wesnoth.current.turn, wesnoth.current.side, gold())) end)
on("new turn", function() L(string.format("new_turn turn=%d", wesnoth.current.turn)) end)
on("recruit", function() local c=wesnoth.current.event_context; L("recruit " .. u(units_at(c))) end)
on("attack", function() local c=wesnoth.current.event_context
  local a=wesnoth.units.get(c.x1,c.y1); local d=wesnoth.units.get(c.x2,c.y2)
  local w1 = wml.variables["weapon.name"] or "?"; local w2 = wml.variables["second_weapon.name"] or "none"
  L(string.format("attack %s [%s] -> %s [%s]", u(a), w1, u(d), w2)) end)
on("attacker hits", function() local c=wesnoth.current.event_context
  L(string.format("attacker_hits damage=%s on %s", tostring(wml.variables["damage_inflicted"]), u(wesnoth.units.get(c.x2,c.y2)))) end)
on("attacker misses", function() L("attacker_misses") end)
on("defender hits", function() local c=wesnoth.current.event_context
  L(string.format("defender_hits damage=%s on %s", tostring(wml.variables["damage_inflicted"]), u(wesnoth.units.get(c.x1,c.y1)))) end)
on("defender misses", function() L("defender_misses") end)
on("attack end", function() L("attack_end") end)
on("die", function() local c=wesnoth.current.event_context; L("die " .. u(wesnoth.units.get(c.x1,c.y1))) end)
on("advance", function() local c=wesnoth.current.event_context; L("advance " .. u(wesnoth.units.get(c.x1,c.y1))) end)
on("post advance", function() local c=wesnoth.current.event_context; L("post_advance " .. u(wesnoth.units.get(c.x1,c.y1))) end)
on("capture", function() local c=wesnoth.current.event_context; L("capture village " .. c.x1 .. "," .. c.y1 .. " by " .. u(wesnoth.units.get(c.x1,c.y1))) end)
on("moveto", function() local c=wesnoth.current.event_context; L("moveto " .. u(wesnoth.units.get(c.x1,c.y1))) end)
on("sighted", function() local c=wesnoth.current.event_context; L("sighted " .. u(wesnoth.units.get(c.x1,c.y1))) end)
on("side turn end", function() L(string.format("side_turn_end turn=%d side=%d", wesnoth.current.turn, wesnoth.current.side)) end)
on("victory", function() L("victory") end)
on("defeat", function() L("defeat") end)
on("enemies defeated", function() L("enemies_defeated") end)
on("time over", function() L("time_over") end)
L("truth.lua loaded")
