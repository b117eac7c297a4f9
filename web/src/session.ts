import { createContext, useContext } from "react";
import type { Me, Role } from "./api";

export interface Session { me: Me; node: string | null; setNode: (n: string) => void }
export const SessionContext = createContext<Session | null>(null);
export const useSession = () => useContext(SessionContext) as Session;
const RANK: Record<Role, number> = { viewer: 0, trader: 1, admin: 2 };
export const can = (me: Me, role: Role) => RANK[me.role] >= RANK[role];
