@echo off
rem Run ClanStats (set up first if needed); arguments go to main.py; its exit code is ours.
setlocal
cd /d "%~dp0"
if exist ".venv\Scripts\python.exe" goto :run
call "%~dp0setup.bat" --from-run-auto
if errorlevel 1 goto :finish
:run
".venv\Scripts\python.exe" main.py %*
:finish
set "CODE=%ERRORLEVEL%"
rem Pause only when started by a double-click (Explorer runs cmd /c with this file), never
rem under Task Scheduler (no SESSIONNAME there) or when CLANSTATS_NO_PAUSE is set.
if defined CLANSTATS_NO_PAUSE goto :end
if not defined SESSIONNAME goto :end
echo %CMDCMDLINE% | findstr /i /c:"%~nx0" >nul || goto :end
pause
:end
exit /b %CODE%
